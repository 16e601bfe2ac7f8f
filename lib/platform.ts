import { type App, Aspects, Tags } from 'aws-cdk-lib';
import type { BearerAuth } from './auth/bearer-auth.js';
import type { PlatformConfig } from './config/schema.js';
import { PlatformPlan } from './platform-plan.js';
import { LambdaPermissionSourceAccount } from './policy/lambda-permission-source-account.js';
import { checkConfigQuotas, quotasOf, ResourcesPerStackValidation } from './quotas.js';
import { ApiStack } from './stacks/api-stack.js';
import { functionEnvironment } from './stacks/function-environment.js';
import { LakeStack } from './stacks/lake-stack.js';
import { ObservabilityStack } from './stacks/observability-stack.js';
import { ProcessingStack } from './stacks/processing-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';

export interface PlatformBuildOptions {
  /** Project root holding `lambdas/` and `package-lock.json`. */
  readonly projectRoot: string;
}

/** The stacks of one region. */
export interface RegionStacks {
  readonly region: string;
  readonly stateful: StatefulStack;
  readonly lake: LakeStack;
  readonly processing: ProcessingStack;
  /** The HTTP API: every route's function, the gateway, its authorizer and WAF. */
  readonly api: ApiStack;
  readonly observability: ObservabilityStack;
}

export interface Platform {
  readonly plan: PlatformPlan;
  readonly regions: readonly RegionStacks[];
}

/**
 * Adds every stack of the platform, in every configured region, to an app.
 *
 * Deployment order (encoded as stack dependencies, so `cdk deploy --all` follows it): the stateful stacks
 * of the replica regions first (their KMS keys encrypt the table replicas), then the home region's
 * stateful stack (it declares the global tables and their replicas), then each region's lake, processing,
 * API and observability stacks.
 *
 * @example
 * const app = new App();
 * buildPlatform(app, loadPlatformConfig(), { projectRoot: process.cwd() });
 */
export function buildPlatform(app: App, config: PlatformConfig, options: PlatformBuildOptions): Platform {
  checkConfigQuotas(config);
  const plan = new PlatformPlan(config);
  Tags.of(app).add('project', 'unmogrowp');
  Tags.of(app).add('stage', config.stage);
  Aspects.of(app).add(new LambdaPermissionSourceAccount());

  const { statefulStacks, home } = addStatefulStacks(app, plan);
  const shared: SharedRegionInputs = {
    plan,
    home,
    bearerAuth: resolveBearerAuth(plan, home),
    projectRoot: options.projectRoot,
  };
  const regions = config.regions.map((region) =>
    addRegionStacks(app, region, statefulStacks.get(region) ?? home, shared),
  );
  const { resourcesPerStack } = quotasOf(config);
  for (const stack of regions.flatMap((r) => [r.stateful, r.lake, r.processing, r.api, r.observability])) {
    stack.node.addValidation(new ResourcesPerStackValidation(stack, resourcesPerStack));
  }
  return { plan, regions };
}

/** What every region's stacks share: the plan, the home stateful stack and the bearer token issuer. */
interface SharedRegionInputs {
  readonly plan: PlatformPlan;
  readonly home: StatefulStack;
  readonly bearerAuth: BearerAuth;
  readonly projectRoot: string;
}

/** The stateful stack of every region; the home region's waits for the others' (replica key aliases). */
function addStatefulStacks(
  app: App,
  plan: PlatformPlan,
): { statefulStacks: Map<string, StatefulStack>; home: StatefulStack } {
  const { config } = plan;
  const statefulStacks = new Map(
    config.regions.map((region) => [
      region,
      new StatefulStack(app, plan.names.stackName(region, 'Stateful'), {
        env: { account: config.account, region },
        plan,
        description: `UnMoGrowP ${config.stage} data in ${region}`,
      }),
    ]),
  );
  const home = statefulStacks.get(config.homeRegion);
  if (home === undefined) throw new Error(`homeRegion ${config.homeRegion} is not one of regions`);
  for (const stack of statefulStacks.values())
    if (stack !== home) home.addStackDependency(stack, 'replica key alias');
  return { statefulStacks, home };
}

/** The lake, processing, API and observability stacks of one region, on its stateful stack. */
function addRegionStacks(
  app: App,
  region: string,
  stateful: StatefulStack,
  { plan, home, bearerAuth, projectRoot }: SharedRegionInputs,
): RegionStacks {
  const { config, names } = plan;
  const common = { env: { account: config.account, region }, plan };
  const streamNames = new Map(plan.streams.map((s) => [s.tenantId, s.streamName]));
  const lake = new LakeStack(app, names.stackName(region, 'Lake'), {
    ...common,
    description: `UnMoGrowP ${config.stage} lake delivery and analytics in ${region}`,
    encryptionKey: stateful.key,
    streamNames,
  });
  const environment = functionEnvironment(plan, {
    lakeBucketName: plan.lakeBucketName(region),
    timestream: stateful.realtime,
  });
  const processing = new ProcessingStack(app, names.stackName(region, 'Processing'), {
    ...common,
    description: `UnMoGrowP ${config.stage} attribution consumers in ${region}`,
    projectRoot,
    encryptionKey: stateful.key,
    streamNames,
    attributionDelivery: lake.attributionDelivery,
    realtime: stateful.realtime,
    environment,
    alarmAction: stateful.alarmTopic.action,
  });
  // The stack keeps its deployed name (`…-Ingest`): renaming it would replace the live API.
  const api = new ApiStack(app, names.stackName(region, 'Ingest'), {
    ...common,
    bearerAuth,
    description: `UnMoGrowP ${config.stage} HTTP API in ${region}`,
    projectRoot,
    encryptionKey: stateful.key,
    streamNames,
    analytics: lake.analytics,
    environment,
  });
  // The global tables (declared in the home region) must exist before anything uses their replicas;
  // the region's streams (referenced by name, without an export) before their readers and writers.
  for (const stack of [processing, api]) stack.addStackDependency(home, 'global tables');
  for (const stack of [lake, processing, api]) stack.addStackDependency(stateful, 'ingest streams');
  const observability = new ObservabilityStack(app, names.stackName(region, 'Observability'), {
    ...common,
    description: `UnMoGrowP ${config.stage} dashboards and alarms in ${region}`,
    alarmAction: stateful.alarmTopic.action,
    alarmTopic: stateful.alarmTopic.topic,
    projectRoot,
  });
  for (const stack of [lake, processing, api])
    observability.addStackDependency(stack, 'monitors its resources');
  // Postbacks: the admin function re-enqueues dead-lettered deliveries; the dashboard charts the stage.
  processing.postbacks.grantEnqueue(api.functions.admin.function);
  processing.postbacks.configure(api.functions.admin.function);
  observability.monitoring.addRow('Postbacks', processing.postbacks.widgets());
  return { region, stateful, lake, processing, api, observability };
}

/**
 * Where every region's API gets its bearer token verification from: the home region's user pool
 * (referenced across regions), the configured JWKS issuer, or the replicated service-token secret.
 */
function resolveBearerAuth(plan: PlatformPlan, home: StatefulStack): BearerAuth {
  const { auth } = plan.config;
  switch (auth.kind) {
    case 'cognito': {
      const users = home.userPool;
      if (users === undefined) throw new Error('the home stateful stack has no user pool');
      return {
        kind: 'cognito',
        userPool: users.userPool,
        issuer: users.issuer,
        jwksUrl: users.jwksUrl,
        audience: users.client.userPoolClientId,
      };
    }
    case 'jwks':
      return auth;
    case 'jwt-secret':
      return {
        kind: 'jwt-secret',
        secretName: plan.serviceTokenSecretName,
        issuer: auth.issuer,
        ...(auth.audience ? { audience: auth.audience } : {}),
      };
  }
}
