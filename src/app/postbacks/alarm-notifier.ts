import { type AlarmChange, slackAlarmMessage } from '../../domain/postbacks/slack.js';
import type { Logger } from '../ports/logger.js';
import { AlarmNotificationFailedError } from './errors.js';
import type { PostbackTransport } from './ports.js';
import { POSTBACK_USER_AGENT } from './sender.js';

/**
 * Posts the platform's alarm state changes to a Slack incoming webhook (the operators' channel), through
 * the postbacks' SSRF-safe transport. An answer other than 2xx, or no answer, throws: the caller (the
 * alarm topic's Lambda invocation) is retried.
 */

export interface SlackAlarmNotifierDependencies {
  /** The incoming-webhook URL, read when needed (a secret; rotated without a redeploy). */
  readonly webhookUrl: () => Promise<string>;
  readonly transport: PostbackTransport;
  /** @default no logging */
  readonly logger?: Logger;
}

export type SlackAlarmNotifier = (alarms: readonly AlarmChange[]) => Promise<void>;

export function createSlackAlarmNotifier(deps: SlackAlarmNotifierDependencies): SlackAlarmNotifier {
  return async (alarms) => {
    if (alarms.length === 0) return;
    const url = await deps.webhookUrl();
    for (const alarm of alarms) {
      const sent = await deps.transport.send({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': POSTBACK_USER_AGENT },
        body: JSON.stringify(slackAlarmMessage(alarm)),
      });
      if (sent.kind === 'response' && sent.statusCode >= 200 && sent.statusCode < 300) {
        deps.logger?.info('alarm sent to Slack', { alarm: alarm.name, state: alarm.state });
        continue;
      }
      // The URL is a secret: never in the message.
      const why = sent.kind === 'response' ? `Slack answered ${sent.statusCode}` : sent.error;
      throw new AlarmNotificationFailedError(`alarm ${alarm.name} not sent to Slack: ${why}`, {
        alarmName: alarm.name,
        ...(sent.kind === 'response' ? { responseCode: sent.statusCode } : {}),
      });
    }
  };
}
