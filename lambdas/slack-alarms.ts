import { slackAlarmsFunction } from '../src/composition/slack-alarms.js';

/** SNS entry point of the alarm topic's Slack notifier (`monitoring.slackWebhookSecretName`). */
export const handler = slackAlarmsFunction();
