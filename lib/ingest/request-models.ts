import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import { REQUEST_LIMITS, type RouteDefinition } from '../../src/definitions/index.js';

const { STRING, OBJECT, ARRAY, NUMBER } = apigateway.JsonSchemaType;

const deviceSchema: apigateway.JsonSchema = {
  type: OBJECT,
  properties: {
    platform: { type: STRING, enum: ['android', 'ios', 'web', 'other'] },
    advertising_id: { type: STRING, maxLength: 128 },
    vendor_id: { type: STRING, maxLength: 128 },
  },
};

const eventSchema: apigateway.JsonSchema = {
  type: OBJECT,
  required: ['event_id', 'type', 'timestamp'],
  properties: {
    event_id: { type: STRING, minLength: 1, maxLength: 128 },
    type: { type: STRING, minLength: 1, maxLength: 100 },
    timestamp: { type: STRING, minLength: 10, maxLength: 40 },
    device: deviceSchema,
    revenue: {
      type: OBJECT,
      required: ['amount', 'currency'],
      properties: { amount: { type: NUMBER }, currency: { type: STRING, pattern: '^[A-Z]{3}$' } },
    },
  },
};

const touchpointSchema: apigateway.JsonSchema = {
  type: OBJECT,
  required: ['type', 'network', 'timestamp'],
  properties: {
    type: { type: STRING, enum: ['click', 'impression'] },
    network: { type: STRING, minLength: 1, maxLength: 100 },
    timestamp: { type: STRING, minLength: 10, maxLength: 40 },
    device: deviceSchema,
  },
};

/**
 * JSON schemas API Gateway checks request bodies against before a handler runs, by `METHOD path`.
 * They reject what is malformed as a whole; the handlers still validate every event and report
 * per-event rejections (SPEC §3).
 */
export const REQUEST_BODY_SCHEMAS: Readonly<Record<string, apigateway.JsonSchema>> = {
  'POST /v1/events': {
    type: OBJECT,
    required: ['events'],
    properties: {
      events: { type: ARRAY, minItems: 1, maxItems: REQUEST_LIMITS.maxEventsPerBatch, items: eventSchema },
    },
  },
  'POST /v1/touchpoints': {
    type: OBJECT,
    required: ['touchpoints'],
    properties: {
      touchpoints: {
        type: ARRAY,
        minItems: 1,
        maxItems: REQUEST_LIMITS.maxTouchpointsPerBatch,
        items: touchpointSchema,
      },
    },
  },
  // Admin bodies are validated in depth by the admin handler; here only that they are JSON objects.
  'POST /v1/privacy/erasure': { type: OBJECT },
  'POST /v1/tenants': { type: OBJECT },
  'POST /v1/tenants/{tenantId}/apps': { type: OBJECT },
  'PUT /v1/tenants/{tenantId}/apps/{appId}': { type: OBJECT },
};

/** Query string parameters a route cannot do without (SPEC §3). */
export const REQUIRED_QUERY_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'GET /v1/click/{appId}': ['network'],
  'GET /v1/impression/{appId}': ['network'],
  'GET /v1/reports/{appId}/installs': ['from', 'to'],
};

export const routeKey = (route: RouteDefinition): string => `${route.method} ${route.path}`;

/** `{name}` segments of a route path. */
export const pathParameters = (path: string): string[] =>
  [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
