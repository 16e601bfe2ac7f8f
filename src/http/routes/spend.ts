import type { SpendLake } from '../../app/spend-lake.js';
import { CostRowSchema, MAX_COST_ROWS, normaliseCostRow } from '../../domain/spend.js';
import { readBatch, readJsonBody } from '../body.js';
import { NotFoundError, ServiceUnavailableError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { FxRatesSchema } from '../wire.js';
import { parse, requireUser, tenantForUser } from './admin.js';
import { appForUser } from './query.js';

/**
 * Spend (SPEC §8): `POST /v1/costs/{appId}` loads an app's cost rows, `PUT /v1/tenants/{tenantId}/fx-rates`
 * a tenant's daily exchange rates. Both land in the lake, keyed so that sending again replaces.
 */

/** One rejected cost row: its index, the field at fault and why. */
export interface RejectedCostRow {
  readonly index: number;
  readonly field: string;
  readonly code: 'invalid_cost';
  readonly message: string;
}

function lakeOf(services: ApiServices): SpendLake {
  if (!services.spendLake)
    throw new ServiceUnavailableError('spend cannot be stored here: this deployment has no lake writer');
  return services.spendLake;
}

function loadCosts(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const app = await appForUser(services, user, params.appId ?? '', 'costs:write');
    const items = readBatch(readJsonBody(request), 'costs', MAX_COST_ROWS);
    const rejected: RejectedCostRow[] = [];
    const rows = items.flatMap((item, index) => {
      const parsed = CostRowSchema.safeParse(item);
      if (parsed.success) return [normaliseCostRow(parsed.data)];
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') ?? '';
      rejected.push({
        index,
        field,
        code: 'invalid_cost',
        message: `costs[${index}]${field ? `.${field}` : ''}: ${issue?.message ?? 'invalid row'}`,
      });
      return [];
    });
    if (rows.length > 0) await lakeOf(services).putCosts(app.tenantId, app.appId, rows, services.now());
    return json(200, { accepted: rows.length, rejected });
  };
}

function putFxRates(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'costs:write');
    const tenant = await services.registry.getTenant(tenantId);
    if (!tenant) throw new NotFoundError(`unknown tenant ${JSON.stringify(tenantId)}`);
    const body = parse(FxRatesSchema, readJsonBody(request));
    await lakeOf(services).putFxRates(tenantId, body.rates, services.now());
    return json(200, { tenant_id: tenantId, stored: body.rates.length });
  };
}

export function spendRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'POST /v1/costs/{appId}': loadCosts(services),
    'PUT /v1/tenants/{tenantId}/fx-rates': putFxRates(services),
  };
}
