import { type App, Tags } from 'aws-cdk-lib';
import type { BearerAuth } from './auth/bearer-auth.js';
import type { PlatformConfig } from './config/schema.js';
import { PlatformPlan } from './platform-plan.js';
import { functionEnvironment } from './stacks/function-environment.js';
import { IngestStack } from './stacks/ingest-stack.js';
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
  readonly ingest: IngestStack;
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
 * ingest and observability stacks.
 *
 * @example
 * const app = new App();
 * buildPlatform(app, loadPlatformConfig(), { projectRoot: process.cwd() });
 */
export function buildPlatform(app: App, config: PlatformConfig, options: PlatformBuildOptions): Platform {
  const plan = new PlatformPlan(config);
  const { names } = plan;
  const env = (region: string) => ({ account: config.account, region });
  Tags.of(app).add('project', 'unmogrowp');
  Tags.of(app).add('stage', config.stage);

  const statefulStacks = new Map(
    config.regions.map((region) => [
      region,
      new StatefulStack(app, names.stackName(region, 'Stateful'), {
        env: env(region),
        plan,
        description: `UnMoGrowP ${config.stage} data in ${region}`,
      }),
    ]),
  );
  const home = statefulStacks.get(config.homeRegion);
  if (home === undefined) throw new Error(`homeRegion ${config.homeRegion} is not one of regions`);
  for (const stack of statefulStacks.values())
    if (stack !== home) home.addStackDependency(stack, 'replica key alias');

  const bearerAuth = resolveBearerAuth(plan, home);
  const regions = config.regions.map((region): RegionStacks => {
    const stateful = statefulStacks.get(region) ?? home;
    const common = { env: env(region), plan };
    const lake = new LakeStack(app, names.stackName(region, 'Lake'), {
      ...common,
      description: `UnMoGrowP ${config.stage} lake delivery and analytics in ${region}`,
      encryptionKey: stateful.key,
      streams: stateful.streams,
    });
    const environment = functionEnvironment(plan, {
      lakeBucketName: plan.lakeBucketName(region),
      timestream: stateful.realtime,
    });
    const processing = new ProcessingStack(app, names.stackName(region, 'Processing'), {
      ...common,
      description: `UnMoGrowP ${config.stage} attribution consumers in ${region}`,
      projectRoot: options.projectRoot,
      encryptionKey: stateful.key,
      streams: stateful.streams,
      attributionDelivery: lake.attributionDelivery,
      realtime: stateful.realtime,
      environment,
      alarmAction: stateful.alarmTopic.action,
    });
    const ingest = new IngestStack(app, names.stackName(region, 'Ingest'), {
      ...common,
      bearerAuth,
      description: `UnMoGrowP ${config.stage} HTTP API in ${region}`,
      projectRoot: options.projectRoot,
      encryptionKey: stateful.key,
      streams: stateful.streams,
      analytics: lake.analytics,
      environment,
    });
    // The global tables (declared in the home region) must exist before anything uses their replicas.
    for (const stack of [processing, ingest]) stack.addStackDependency(home, 'global tables');
    const observability = new ObservabilityStack(app, names.stackName(region, 'Observability'), {
      ...common,
      description: `UnMoGrowP ${config.stage} dashboards and alarms in ${region}`,
      alarmAction: stateful.alarmTopic.action,
    });
    for (const stack of [lake, processing, ingest])
      observability.addStackDependency(stack, 'monitors its resources');
    // Postbacks: the admin function re-enqueues dead-lettered deliveries; the dashboard charts the stage.
    processing.postbacks.grantEnqueue(ingest.functions.admin.function);
    processing.postbacks.configure(ingest.functions.admin.function);
    observability.monitoring.dashboard.addWidgets(...processing.postbacks.widgets());
    return { region, stateful, lake, processing, ingest, observability };
  });
  return { plan, regions };
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
