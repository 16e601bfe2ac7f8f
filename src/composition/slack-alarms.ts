import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import { SafeHttpTransport } from '../adapters/postbacks/safe-http-transport.js';
import { alarmChangesOf } from '../adapters/postbacks/sns-alarms.js';
import { secretStringReader } from '../adapters/secrets/secret-reader.js';
import { createSlackAlarmNotifier } from '../app/postbacks/alarm-notifier.js';
import { ConfigurationError } from '../config/runtime.js';
import { SLACK_ALARMS_ENV } from '../definitions/observability.js';
import { POSTBACK_ENV } from '../definitions/postbacks.js';
import { createObservability, logPort, type Observability, traceHandler } from './observability.js';

export interface SlackAlarmsLambdaOptions {
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Secrets Manager client (tests). @default one built on the first read */
  readonly secrets?: Pick<SecretsManagerClient, 'send'>;
  /** @default Powertools utilities named by `SERVICE_NAMES` */
  readonly observability?: Observability;
}

/**
 * The Slack notifier of a region's alarm topic (SNS → Lambda): each CloudWatch alarm state change
 * becomes one Slack message (`slackAlarmMessage`), posted to the incoming-webhook URL kept in the secret
 * `UNMOGROWP_SLACK_WEBHOOK_SECRET` names, through the postbacks' SSRF-safe transport (https only).
 * Outside Lambda (tests), `UNMOGROWP_ALLOW_LOOPBACK_POSTBACKS=1` lets it post to a 127.0.0.1 receiver.
 */
export function slackAlarmsFunction(options: SlackAlarmsLambdaOptions = {}) {
  const env = options.env ?? process.env;
  const secretName = env[SLACK_ALARMS_ENV.webhookSecretName];
  if (!secretName)
    throw new ConfigurationError(
      `${SLACK_ALARMS_ENV.webhookSecretName} is not set`,
      SLACK_ALARMS_ENV.webhookSecretName,
    );
  const region = env.AWS_REGION ?? 'us-east-1';
  const o = options.observability ?? createObservability('slackAlarms');
  const logger = logPort(o.logger);
  // The loopback switch of local tests; never in a Lambda function.
  const local = env.AWS_LAMBDA_FUNCTION_NAME === undefined && env[POSTBACK_ENV.allowLoopback] === '1';
  const notify = createSlackAlarmNotifier({
    webhookUrl: secretStringReader({
      secretId: secretName,
      region,
      ...(options.secrets ? { client: options.secrets } : {}),
    }),
    transport: new SafeHttpTransport({ allowLoopback: local, requireHttps: !local }),
    logger,
  });
  return middy(async (event: SNSEvent, _context: Context): Promise<void> => {
    const { alarms, ignored } = alarmChangesOf(event);
    if (ignored.length > 0)
      logger.warn('not an alarm notification, not sent to Slack', { message_ids: ignored });
    await notify(alarms);
  })
    .use(traceHandler(o.tracer))
    .use(injectLambdaContext(o.logger, { resetKeys: true }));
}
