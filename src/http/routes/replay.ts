import { type ReplayChange, type ReplayReport, replay } from '../../domain/replay.js';
import { DAY_MS } from '../../domain/settings.js';
import { readJsonBody } from '../body.js';
import { BadRequestError, PayloadTooLargeError, ServiceUnavailableError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { DEFAULT_REPLAY_DAYS, MAX_REPLAY_DAYS, type ReplayRequest, ReplayRequestSchema } from '../wire.js';
import { parse } from './admin.js';
import { appForUser } from './query.js';

/**
 * `POST /v1/reports/{appId}/replay`: what-if for settings. Re-runs the app's accepted history (the lake's
 * raw events and touchpoints of the range) under its current settings and under the candidate ones, and
 * answers which installs would change source and why. It writes nothing: a settings change applies only
 * to installs decided after it. Readers of reports (analysts and up) may replay; the app must be one of
 * the caller's tenant, else 404 as for an unknown app.
 */

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Days of history read before `from` and replayed without being compared: the longest click lookback
 * (30 days), so an install on `from` still finds the clicks that could have won it.
 */
export const REPLAY_WARM_UP_DAYS = 30;

/** The replayed range: the body's, else the `DEFAULT_REPLAY_DAYS` ending today. */
export function replayRange(body: ReplayRequest, nowMs: number): { from: string; to: string } {
  const to = body.to ?? dayOf(nowMs);
  const from = body.from ?? dayOf(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_REPLAY_DAYS - 1) * DAY_MS);
  for (const [field, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
      throw new BadRequestError('invalid_request', `${field}: ${value} is not a date`, {
        details: [{ field, message: 'expected a date YYYY-MM-DD' }],
      });
  }
  if (from > to) throw new BadRequestError('invalid_request', `from (${from}) is after to (${to})`);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days > MAX_REPLAY_DAYS) {
    throw new BadRequestError(
      'invalid_request',
      `the range is ${days} days; at most ${MAX_REPLAY_DAYS} a replay (narrow from/to)`,
      { details: [{ field: 'from', message: `at most ${MAX_REPLAY_DAYS} days before to` }] },
    );
  }
  return { from, to };
}

function presentChange(change: ReplayChange) {
  const side = (s: ReplayChange['before']) =>
    s
      ? {
          status: s.status,
          kind: s.kind,
          network: s.network,
          ...(s.campaign === undefined ? {} : { campaign: s.campaign }),
          ...(s.touchpointId === undefined ? {} : { touchpoint_id: s.touchpointId }),
          match: s.match,
          fraud: s.fraud,
        }
      : null;
  return {
    event_id: change.eventId,
    device_id: change.deviceId,
    before: side(change.before),
    after: side(change.after),
    description: change.description,
    why: change.why,
  };
}

export function presentReplay(report: ReplayReport) {
  return {
    decisions: report.decisions,
    changed: report.changed.length,
    moves: report.moves,
    changes: report.changed.map(presentChange),
  };
}

function replayRoute(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const app = await appForUser(services, user, params.appId ?? '', 'replay:run');
    const body = parse(ReplayRequestSchema, readJsonBody(request));
    const { from, to } = replayRange(body, services.now());
    const source = services.replay;
    if (!source?.history.available)
      throw new ServiceUnavailableError('replay reads the lake, which this deployment cannot query', {
        retryAfterSeconds: 60,
      });
    const fromMs = Date.parse(`${from}T00:00:00Z`);
    const history = await source.history.read({
      tenantId: app.tenantId,
      appId: app.appId,
      fromDay: dayOf(fromMs - REPLAY_WARM_UP_DAYS * DAY_MS),
      toDay: to,
    });
    if (history.truncated) {
      throw new PayloadTooLargeError(
        'replay_too_large',
        `${from}..${to} holds more records than one replay reads; narrow from/to`,
        { details: [{ field: 'from', message: 'narrow the range' }] },
      );
    }
    const report = replay(
      history,
      services.effectiveSettings(app.settings),
      services.effectiveSettings(body.settings),
      {
        dataCenterCidrs: source.dataCenterCidrs,
        compareFromMs: fromMs,
      },
    );
    services.logger?.info('replay', {
      tenant_id: app.tenantId,
      app_id: app.appId,
      from,
      to,
      records: history.events.length + history.touchpoints.length,
      changed: report.changed.length,
    });
    return json(200, {
      app_id: app.appId,
      from,
      to,
      // Read, warm-up days included.
      records: { events: history.events.length, touchpoints: history.touchpoints.length },
      ...presentReplay(report),
    });
  };
}

export function replayRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return { 'POST /v1/reports/{appId}/replay': replayRoute(services) };
}
