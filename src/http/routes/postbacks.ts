import { randomBytes } from 'node:crypto';
import {
  DeliveryNotDeadError,
  DeliveryNotFoundError,
  DestinationRefusedError,
  ResolutionUnavailableError,
} from '../../app/postbacks/errors.js';
import { checkDestination } from '../../app/postbacks/policy.js';
import type { DeliveryRecord, PostbackApiServices } from '../../app/postbacks/ports.js';
import { type Destination, DestinationsInputSchema } from '../../domain/postbacks/destinations.js';
import { readJsonBody } from '../body.js';
import { BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError } from '../errors.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { DeliveriesQuerySchema, MAX_DELIVERIES_LISTED } from '../wire.js';
import { parse, requireUser, tenantForUser } from './admin.js';

/** SPEC §7: an app's postback destinations, its webhook secret, and the delivery log. */

/** Prefix of a webhook secret (an ingest signing secret's is `ugps_`). */
const WEBHOOK_SECRET_PREFIX = 'ugpw_';

function servicesOf(services: ApiServices): PostbackApiServices {
  if (!services.postbacks)
    throw new ServiceUnavailableError('postbacks are not set up in this deployment', {
      retryAfterSeconds: 60,
    });
  return services.postbacks;
}

const presentDestination = (d: Destination) => ({
  id: d.id,
  type: d.type,
  ...(d.network === undefined ? {} : { network: d.network }),
  url: d.url,
  kinds: d.kinds,
  events: d.events,
});

function presentDelivery(r: DeliveryRecord) {
  return {
    delivery_id: r.job.jobId,
    destination_id: r.job.destinationId,
    destination_type: r.job.destinationType,
    subject: r.job.subjectKind,
    subject_id: r.job.subjectId,
    status: r.status,
    attempts: r.attempts,
    response_code: r.last?.responseCode ?? null,
    latency_ms: r.last?.latencyMs ?? null,
    error: r.last?.error ?? null,
    response_excerpt: r.last?.responseExcerpt ?? null,
    next_attempt_at: r.last?.nextAttemptAtMs ? new Date(r.last.nextAttemptAtMs).toISOString() : null,
    updated_at: new Date(r.updatedAtMs).toISOString(),
  };
}

async function requireApp(services: ApiServices, tenantId: string, appId: string): Promise<void> {
  if (!(await services.registry.getTenantApp(tenantId, appId)))
    throw new NotFoundError(`unknown app ${JSON.stringify(appId)}`);
}

function getPostbacks(services: ApiServices): RouteHandler {
  return async ({ params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'apps:read');
    const appId = params.appId ?? '';
    await requireApp(services, tenantId, appId);
    const config = await servicesOf(services).configs.get(tenantId, appId);
    return json(200, {
      tenant_id: tenantId,
      app_id: appId,
      postbacks: (config?.destinations ?? []).map(presentDestination),
      webhook_secret: { set: config?.webhookSecret !== undefined },
      updated_at: config?.updatedAt ?? null,
    });
  };
}

/** Replaces the app's destinations whole, after every URL passed the scheme and address checks. */
function putPostbacks(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'postbacks:write');
    const appId = params.appId ?? '';
    const body = parse(DestinationsInputSchema, readJsonBody(request));
    const postbacks = servicesOf(services);
    await requireApp(services, tenantId, appId);
    const destinations: Destination[] = body.postbacks.map((d) => ({
      id: d.id,
      type: d.type,
      ...(d.network === undefined ? {} : { network: d.network }),
      url: d.url,
      kinds: d.kinds,
      events: d.events,
    }));
    for (const [index, destination] of destinations.entries()) {
      try {
        await checkDestination(destination, postbacks.resolver, postbacks.policy);
      } catch (error) {
        if (error instanceof DestinationRefusedError)
          throw new BadRequestError('destination_refused', `postbacks.${index}.url: ${error.message}`, {
            cause: error,
            details: [
              { field: `postbacks.${index}.url`, code: error.context.reason, message: error.message },
            ],
          });
        if (error instanceof ResolutionUnavailableError)
          throw new ServiceUnavailableError(`postbacks.${index}.url: ${error.message}; retry`, {
            cause: error,
            retryAfterSeconds: 5,
          });
        throw error;
      }
    }
    const saved = await postbacks.configs.putDestinations(tenantId, appId, destinations);
    services.logger?.info('postbacks replaced', {
      tenant_id: tenantId,
      app_id: appId,
      destinations: destinations.length,
    });
    return json(200, {
      tenant_id: tenantId,
      app_id: appId,
      postbacks: saved.destinations.map(presentDestination),
      webhook_secret: { set: saved.webhookSecret !== undefined },
      updated_at: saved.updatedAt ?? null,
    });
  };
}

/** A new webhook secret, shown this once; the previous one stops signing at once. */
function webhookSecret(services: ApiServices): RouteHandler {
  return async ({ params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'postbacks:write');
    const appId = params.appId ?? '';
    const postbacks = servicesOf(services);
    await requireApp(services, tenantId, appId);
    const secret = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    await postbacks.configs.setWebhookSecret(tenantId, appId, secret);
    services.logger?.info('webhook secret set', { tenant_id: tenantId, app_id: appId });
    return json(201, { tenant_id: tenantId, app_id: appId, webhook_secret: secret });
  };
}

function listDeliveries(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'apps:read');
    const appId = params.appId ?? '';
    const query = parse(DeliveriesQuerySchema, request.query ?? {});
    const postbacks = servicesOf(services);
    await requireApp(services, tenantId, appId);
    const records = await postbacks.log.list(tenantId, appId, {
      ...(query.status ? { status: query.status } : {}),
      limit: query.limit ?? MAX_DELIVERIES_LISTED,
    });
    return json(200, { tenant_id: tenantId, app_id: appId, deliveries: records.map(presentDelivery) });
  };
}

/** Sends a dead-lettered (or still queued) delivery again, with a fresh 24-hour retry budget. */
function retryDelivery(services: ApiServices): RouteHandler {
  return async ({ params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'postbacks:write');
    const appId = params.appId ?? '';
    const deliveryId = params.deliveryId ?? '';
    const postbacks = servicesOf(services);
    await requireApp(services, tenantId, appId);
    try {
      const record = await postbacks.log.find(tenantId, appId, deliveryId);
      if (!record) throw new DeliveryNotFoundError({ tenantId, appId, deliveryId });
      // A queued one (a retry asked twice) is put on the queue again: the sender skips it once sent.
      if (record.status !== 'dead' && record.status !== 'queued')
        throw new DeliveryNotDeadError({ deliveryId, status: record.status });
      await postbacks.log.requeue(record.job, services.now());
      await postbacks.queue.enqueue([{ tenantId, appId, jobId: deliveryId }]);
      return json(202, { tenant_id: tenantId, app_id: appId, delivery_id: deliveryId, status: 'queued' });
    } catch (error) {
      if (error instanceof DeliveryNotFoundError) throw new NotFoundError(error.message, { cause: error });
      if (error instanceof DeliveryNotDeadError) throw new ConflictError(error.message, { cause: error });
      throw error;
    }
  };
}

export function postbackRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks': getPostbacks(services),
    'PUT /v1/tenants/{tenantId}/apps/{appId}/postbacks': putPostbacks(services),
    'POST /v1/tenants/{tenantId}/apps/{appId}/webhook-secret': webhookSecret(services),
    'GET /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries': listDeliveries(services),
    'POST /v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries/{deliveryId}/retry':
      retryDelivery(services),
  };
}
