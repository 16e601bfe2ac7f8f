import * as z from 'zod';
import type { AttributionKind } from '../attribution.js';
import { unknownMacros } from './macros.js';

/**
 * An app's postback destinations (SPEC §7): partner postbacks to ad networks, webhooks to the
 * customer's backend, and Slack incoming webhooks. Replaced whole by `PUT …/postbacks`.
 */

export const DESTINATION_TYPES = ['partner', 'webhook', 'slack'] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** Install decisions a destination can ask for: the decision kinds, and `rejected` for fraud rejections. */
export const DECISION_KINDS = ['install', 'reinstall', 'reattribution', 'reengagement', 'rejected'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

/** At most this many destinations per app. */
export const MAX_DESTINATIONS = 20;
/** Longest URL template, in characters. */
export const MAX_URL_LENGTH = 2048;
/** `events` matching every in-app event. */
export const ALL_EVENTS = '*';

export const DESTINATION_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export interface Destination {
  readonly id: string;
  readonly type: DestinationType;
  /** Partner postbacks only: the network whose credited decisions and events it receives. */
  readonly network?: string;
  /** The URL (partner: a template with `{macro}`s). */
  readonly url: string;
  readonly kinds: readonly DecisionKind[];
  /** In-app event names, `*` for every one; empty for none. */
  readonly events: readonly string[];
}

const DestinationSchema = z
  .object({
    id: z.string().regex(DESTINATION_ID_PATTERN, 'expected 1-63 lower-case letters, digits, _ or -'),
    type: z.enum(DESTINATION_TYPES),
    network: z.string().trim().min(1).max(100).optional(),
    url: z.string().min(1).max(MAX_URL_LENGTH),
    kinds: z.array(z.enum(DECISION_KINDS)).max(DECISION_KINDS.length).default([]),
    events: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.type === 'partner' && !d.network)
      ctx.addIssue({ code: 'custom', path: ['network'], message: 'a partner postback names its network' });
    if (d.type !== 'partner' && d.network !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['network'],
        message: `only partner postbacks name a network; a ${d.type} receives every matching decision`,
      });
    const unknown = unknownMacros(d.url);
    if (d.type === 'partner' && unknown.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `unknown macro {${unknown[0]}}; see docs/postbacks.md for the macros`,
      });
    if (d.type !== 'partner' && /[{}]/.test(d.url))
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `macros are for partner postbacks; a ${d.type} URL is sent as written`,
      });
  });

export const DestinationsInputSchema = z
  .object({ postbacks: z.array(DestinationSchema).max(MAX_DESTINATIONS) })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.postbacks.forEach((d, i) => {
      if (seen.has(d.id))
        ctx.addIssue({ code: 'custom', path: ['postbacks', i, 'id'], message: `duplicate id ${d.id}` });
      seen.add(d.id);
    });
  });

export type DestinationsInput = z.input<typeof DestinationsInputSchema>;

/** The kind filter value of a decision: its kind, or `rejected` when fraud rejected it. */
export function decisionKindOf(decision: {
  readonly status: string;
  readonly kind: AttributionKind;
}): DecisionKind {
  return decision.status === 'rejected' ? 'rejected' : decision.kind;
}

/** Does `destination` take this in-app event? Lifecycle events (open, session) only when named. */
export function takesEvent(destination: Destination, eventName: string, lifecycle: boolean): boolean {
  if (destination.events.includes(eventName)) return true;
  return !lifecycle && destination.events.includes(ALL_EVENTS);
}

/** Templates and URLs are checked as URLs with the macros filled by a placeholder. */
export function urlOfTemplate(template: string): URL | undefined {
  try {
    return new URL(template.replace(/\{[^{}]*\}/g, 'x'));
  } catch {
    return undefined;
  }
}
