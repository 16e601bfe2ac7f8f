import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import type { AlarmChange } from '../../domain/postbacks/slack.js';

/**
 * CloudWatch alarm notifications as SNS delivers them to a Lambda subscriber: each record's `Message` is
 * the alarm's JSON (`AlarmName`, `NewStateValue`, `NewStateReason`, …). Anything else published on the
 * topic (a test message by hand, say) is not an alarm change and is returned apart.
 */

const CloudWatchAlarmNotificationSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string(),
  OldStateValue: z.string().nullish(),
  Region: z.string().nullish(),
});

export interface SnsAlarmChanges {
  readonly alarms: AlarmChange[];
  /** Message ids of the records that held no alarm notification. */
  readonly ignored: string[];
}

export function alarmChangesOf(event: SNSEvent): SnsAlarmChanges {
  const alarms: AlarmChange[] = [];
  const ignored: string[] = [];
  for (const record of event.Records ?? []) {
    const parsed = CloudWatchAlarmNotificationSchema.safeParse(parseJson(record.Sns?.Message));
    if (!parsed.success) {
      ignored.push(record.Sns?.MessageId ?? 'unknown');
      continue;
    }
    const n = parsed.data;
    alarms.push({
      name: n.AlarmName,
      state: n.NewStateValue,
      reason: n.NewStateReason,
      ...(n.AlarmDescription ? { description: n.AlarmDescription } : {}),
      ...(n.Region ? { region: n.Region } : {}),
      ...(n.OldStateValue ? { previousState: n.OldStateValue } : {}),
    });
  }
  return { alarms, ignored };
}

function parseJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}
