import type { DeliverySubject } from './subjects.js';

/**
 * Slack incoming-webhook messages (`{ text, blocks }`) for decisions, events and alarms. Plain text in
 * Slack's mrkdwn: names are escaped so a campaign called `<!channel>` cannot ping anyone.
 */

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly { readonly type: 'section'; readonly text: { type: 'mrkdwn'; text: string } }[];
}

/** Slack's three control characters, escaped as its docs ask. */
export function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

const section = (text: string) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text } });

function sourceText(source: { network: string; campaign?: string } | undefined): string {
  if (!source) return 'organic';
  return escapeSlack(source.campaign ? `${source.network} / ${source.campaign}` : source.network);
}

/** The message of one decision or credited event. */
export function slackMessage(subject: DeliverySubject): SlackMessage {
  if (subject.kind === 'decision') {
    const a = subject.attribution;
    const app = escapeSlack(a.appId);
    const headline =
      a.status === 'rejected'
        ? `:no_entry: ${a.kind} *rejected* for ${app} (${sourceText(a.source)}): ${escapeSlack(a.fraud.map((f) => f.reason).join(', '))}`
        : a.status === 'organic'
          ? `:seedling: organic ${a.kind} of ${app}`
          : `:white_check_mark: ${a.kind} of ${app} attributed to *${sourceText(a.source)}* (${a.match})`;
    return { text: headline, blocks: [section(headline)] };
  }
  const e = subject.event;
  const revenue = e.revenue ? ` worth ${e.revenue.amount} ${escapeSlack(e.revenue.currency)}` : '';
  const headline = `:moneybag: ${escapeSlack(e.type)}${revenue} in ${escapeSlack(e.appId)}, credited to *${sourceText(e.source)}*`;
  return { text: headline, blocks: [section(headline)] };
}

/** An alarm that changed state: a CloudWatch alarm notification, or a local one. */
export interface AlarmChange {
  readonly name: string;
  readonly state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  readonly reason: string;
  /** The alarm's description (ours carry the summary and the runbook link). @default none */
  readonly description?: string;
  /** Where the alarm is, e.g. `eu-west-1`. @default none */
  readonly region?: string;
  /** The state it left. @default none */
  readonly previousState?: string;
}

/** The message of an alarm changing state: a headline, and the description (runbook) below it. */
export function slackAlarmMessage(alarm: AlarmChange): SlackMessage {
  const icon =
    alarm.state === 'ALARM'
      ? ':rotating_light:'
      : alarm.state === 'OK'
        ? ':large_green_circle:'
        : ':grey_question:';
  const where = alarm.region ? ` in ${escapeSlack(alarm.region)}` : '';
  const from = alarm.previousState ? ` (was ${escapeSlack(alarm.previousState)})` : '';
  const headline = `${icon} *${escapeSlack(alarm.name)}*${where} is ${alarm.state}${from}: ${escapeSlack(alarm.reason)}`;
  const blocks = [section(headline)];
  if (alarm.description) blocks.push(section(escapeSlack(alarm.description)));
  return { text: headline, blocks };
}
