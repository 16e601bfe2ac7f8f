import { actsFor, can, type UserPrincipal } from '../../auth/permissions.js';
import { REPORT_QUERIES } from '../../definitions/queries.js';
import type { IdentifierKind } from '../../domain/keys.js';
import { presentAttribution } from '../../domain/present.js';
import { DAY_MS } from '../../domain/settings.js';
import { BadRequestError, ForbiddenError, NotFoundError } from '../errors.js';
import { GROUP_BY_FIELDS, type GroupByField, reportFromCounters, reportFromLake } from '../reports.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';

/** Query parameters that name a device, and the identifier kind each is stored under. */
export const IDENTITY_PARAMETERS: Readonly<Record<string, IdentifierKind>> = {
  advertising_id: 'adid',
  vendor_id: 'idfv',
  customer_user_id: 'cuid',
};

/** Exactly one identity parameter of `source` (query string or body), validated. */
export function readIdentity(source: Readonly<Record<string, unknown>>): {
  kind: IdentifierKind;
  value: string;
} {
  const given = Object.keys(IDENTITY_PARAMETERS).filter((p) => source[p] !== undefined);
  if (given.length !== 1) {
    throw new BadRequestError(
      'invalid_request',
      `expected exactly one of advertising_id, vendor_id or customer_user_id. Received ${given.length}`,
    );
  }
  const name = given[0] as string;
  const value = source[name];
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw new BadRequestError(
      'invalid_request',
      `${name}: expected a non-empty string of at most 256 characters`,
      {
        details: [{ field: name, message: 'expected a non-empty string of at most 256 characters' }],
      },
    );
  }
  return { kind: IDENTITY_PARAMETERS[name] as IdentifierKind, value: value.trim() };
}

function attributionLookup(services: ApiServices): RouteHandler {
  return async ({ request, params, app }) => {
    // A key answers for its own app only; any other app id looks unknown.
    if (!app || params.appId !== app.appId)
      throw new NotFoundError(`unknown app ${JSON.stringify(params.appId)}`);
    const { kind, value } = readIdentity(request.query);
    const device = await services.graphFor(app.tenantId).findDevice(app.tenantId, app.appId, kind, value);
    if (!device) throw new NotFoundError('no device of this app is known by that identifier yet');
    if (!device.currentAttribution) {
      return json(200, {
        status: 'pending',
        explanation: ['the device is known but its install has not been attributed yet'],
      });
    }
    const { reengagement } = device;
    return json(200, presentAttribution(device.currentAttribution, { reengagement, nowMs: services.now() }));
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_REPORT_DAYS = 400;

export function readDay(query: Readonly<Record<string, string | undefined>>, name: 'from' | 'to'): string {
  const value = query[name];
  if (!value || !DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new BadRequestError(
      'invalid_request',
      `${name}: expected a date YYYY-MM-DD. Received ${value ?? 'none'}`,
      {
        details: [{ field: name, message: 'expected a date YYYY-MM-DD' }],
      },
    );
  }
  return value;
}

function readGroupBy(raw: string | undefined): GroupByField[] {
  if (raw === undefined || raw.trim() === '') return ['network', 'campaign'];
  const fields = raw.split(',').map((f) => f.trim());
  for (const f of fields) {
    if (!(GROUP_BY_FIELDS as readonly string[]).includes(f)) {
      throw new BadRequestError(
        'invalid_request',
        `group_by: unknown field ${JSON.stringify(f)}; use day, network, campaign`,
        {
          details: [{ field: 'group_by', message: 'allowed: day, network, campaign' }],
        },
      );
    }
  }
  return [...new Set(fields)] as GroupByField[];
}

/** Resolves an app the user may act on for `permission`, or answers 404/403 without revealing existence. */
export async function appForUser(
  services: ApiServices,
  user: UserPrincipal | undefined,
  appId: string,
  permission: Parameters<typeof can>[1],
) {
  if (!user) throw new NotFoundError();
  const app = await services.registry.getApp(appId);
  if (!app || !actsFor(user, app.tenantId)) throw new NotFoundError(`unknown app ${JSON.stringify(appId)}`);
  if (!can(user, permission))
    throw new ForbiddenError(`role ${user.role} may not ${permission.replace(':', ' ')}`);
  return app;
}

function installReport(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const app = await appForUser(services, user, params.appId ?? '', 'reports:read');
    const from = readDay(request.query, 'from');
    const to = readDay(request.query, 'to');
    if (from > to) throw new BadRequestError('invalid_request', `from (${from}) is after to (${to})`);
    const spanDays = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (spanDays > MAX_REPORT_DAYS) {
      throw new BadRequestError(
        'invalid_request',
        `the range is ${spanDays} days; at most ${MAX_REPORT_DAYS} a call`,
      );
    }
    const groupBy = readGroupBy(request.query.group_by);
    const counterHorizon = new Date(services.now() - services.reportCounterDays * DAY_MS)
      .toISOString()
      .slice(0, 10);
    const useLake = services.lakeQueries !== undefined && from < counterHorizon;
    let report: ReturnType<typeof reportFromCounters>;
    if (useLake && services.lakeQueries) {
      const parameters = { tenantId: app.tenantId, appId: app.appId, fromDay: from, toDay: to };
      const [installs, revenue] = await Promise.all([
        services.lakeQueries.run(REPORT_QUERIES.installsByNetworkCampaignDaily, parameters),
        services.lakeQueries.run(REPORT_QUERIES.inAppRevenueBySource, parameters),
      ]);
      report = reportFromLake(installs, revenue, groupBy, from);
    } else {
      const counters = await services.graphFor(app.tenantId).readCounters(app.tenantId, app.appId, from, to);
      report = reportFromCounters(counters, groupBy);
    }
    return json(200, {
      app_id: app.appId,
      from,
      to,
      group_by: groupBy,
      source: useLake ? 'lake' : 'counters',
      rows: report.rows,
      totals: report.totals,
    });
  };
}

export function queryRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'GET /v1/attribution/{appId}': attributionLookup(services),
    'GET /v1/reports/{appId}/installs': installReport(services),
  };
}
