import type { HandlerName } from './handlers.js';

/** How a route authenticates its caller (SPEC §3). */
export type RouteAuth = 'none' | 'apiKey' | 'bearer';

export interface RouteDefinition {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** API Gateway style path, `{name}` for a path parameter. */
  readonly path: string;
  readonly auth: RouteAuth;
  readonly handler: HandlerName;
  /** Short description, used in docs and the API's method descriptions. */
  readonly summary: string;
  /** Latency-sensitive routes get provisioned concurrency in prod. */
  readonly latencySensitive?: boolean;
}

/**
 * Every route of the HTTP API v1, shared by the API Gateway construct and the local HTTP server so that
 * both route the same way.
 */
export const ROUTES: readonly RouteDefinition[] = [
  {
    method: 'GET',
    path: '/v1/click/{appId}',
    auth: 'none',
    handler: 'ingest',
    summary: 'Record a click and redirect to the store',
    latencySensitive: true,
  },
  {
    method: 'GET',
    path: '/v1/impression/{appId}',
    auth: 'none',
    handler: 'ingest',
    summary: 'Record an impression',
    latencySensitive: true,
  },
  {
    method: 'POST',
    path: '/v1/touchpoints',
    auth: 'apiKey',
    handler: 'ingest',
    summary: 'Server-to-server clicks and impressions',
    latencySensitive: true,
  },
  {
    method: 'POST',
    path: '/v1/events',
    auth: 'apiKey',
    handler: 'ingest',
    summary: 'SDK or server event batch',
    latencySensitive: true,
  },
  {
    method: 'GET',
    path: '/v1/attribution/{appId}',
    auth: 'apiKey',
    handler: 'query',
    summary: "A device's attribution with its explanation",
  },
  {
    method: 'GET',
    path: '/v1/reports/{appId}/installs',
    auth: 'bearer',
    handler: 'query',
    summary: 'Install report aggregates',
  },
  {
    method: 'POST',
    path: '/v1/reports/{appId}/replay',
    auth: 'bearer',
    handler: 'query',
    summary: 'Which installs would change source under new settings, and why (writes nothing)',
  },
  {
    method: 'GET',
    path: '/v1/reports/{appId}/performance',
    auth: 'bearer',
    handler: 'query',
    summary:
      'Installs, spend, eCPI, revenue, ROAS and ARPU by network, campaign, adset, ad, country, platform',
  },
  {
    method: 'GET',
    path: '/v1/reports/{appId}/cohorts',
    auth: 'bearer',
    handler: 'query',
    summary: 'Install-date cohorts by day since install: retention, revenue or ROAS',
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    auth: 'none',
    handler: 'query',
    summary: 'The OpenAPI 3.1 description of this API',
  },
  { method: 'GET', path: '/docs', auth: 'none', handler: 'query', summary: 'The API reference, for people' },
  {
    method: 'POST',
    path: '/v1/privacy/erasure',
    auth: 'bearer',
    handler: 'admin',
    summary: "Erase one identity's data",
  },
  {
    method: 'GET',
    path: '/v1/privacy/erasure/{requestId}',
    auth: 'bearer',
    handler: 'admin',
    summary: 'The status of an erasure request',
  },
  {
    method: 'POST',
    path: '/v1/costs/{appId}',
    auth: 'bearer',
    handler: 'admin',
    summary: "Load an app's ad spend (a re-sent row replaces the earlier one)",
  },
  {
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/fx-rates',
    auth: 'bearer',
    handler: 'admin',
    summary: "Set a tenant's daily exchange rates",
  },
  { method: 'POST', path: '/v1/tenants', auth: 'bearer', handler: 'admin', summary: 'Create a tenant' },
  {
    method: 'POST',
    path: '/v1/tenants/{tenantId}/apps',
    auth: 'bearer',
    handler: 'admin',
    summary: 'Create an app',
  },
  {
    method: 'GET',
    path: '/v1/tenants/{tenantId}/apps/{appId}',
    auth: 'bearer',
    handler: 'admin',
    summary: "Read an app's settings",
  },
  {
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/apps/{appId}',
    auth: 'bearer',
    handler: 'admin',
    summary: "Change an app's settings",
  },
  {
    method: 'POST',
    path: '/v1/tenants/{tenantId}/apps/{appId}/keys',
    auth: 'bearer',
    handler: 'admin',
    summary: "Rotate an app's API key",
  },
  {
    method: 'POST',
    path: '/v1/tenants/{tenantId}/apps/{appId}/signing-secret',
    auth: 'bearer',
    handler: 'admin',
    summary: "Set or turn off an app's request signing secret",
  },
  {
    method: 'GET',
    path: '/v1/tenants/{tenantId}/apps/{appId}/postbacks',
    auth: 'bearer',
    handler: 'admin',
    summary: "Read an app's postback and webhook destinations",
  },
  {
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/apps/{appId}/postbacks',
    auth: 'bearer',
    handler: 'admin',
    summary: "Replace an app's postback and webhook destinations",
  },
  {
    method: 'POST',
    path: '/v1/tenants/{tenantId}/apps/{appId}/webhook-secret',
    auth: 'bearer',
    handler: 'admin',
    summary: "Create an app's webhook signing secret (shown once)",
  },
  {
    method: 'GET',
    path: '/v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries',
    auth: 'bearer',
    handler: 'admin',
    summary: 'Recent postback deliveries, by status',
  },
  {
    method: 'POST',
    path: '/v1/tenants/{tenantId}/apps/{appId}/postbacks/deliveries/{deliveryId}/retry',
    auth: 'bearer',
    handler: 'admin',
    summary: 'Send a dead-lettered delivery again',
  },
  {
    method: 'GET',
    path: '/v1/tenants/{tenantId}/audit-log',
    auth: 'bearer',
    handler: 'admin',
    summary: "The tenant's audit log: who changed what, newest first",
  },
];

/** Request limits of SPEC §3, enforced by API Gateway validators and by the handlers. */
export const REQUEST_LIMITS = {
  maxEventsPerBatch: 500,
  maxTouchpointsPerBatch: 500,
  maxBodyBytes: 1024 * 1024,
} as const;
