import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import {
  REQUEST_MODELS,
  REQUIRED_QUERY_PARAMETERS,
  toRequestModel,
} from '../../../lib/ingest/request-models.js';
import { ROUTES } from '../../../src/definitions/routes.js';
import { EventBatchSchema, ROUTE_WIRES, UpdateAppSchema } from '../../../src/http/wire.js';
import { buildTestPlatform, regionOf, templateOf } from '../support/platform.js';

/** API Gateway's request models are the wire schemas, in the draft-4 subset it accepts. */

type Node = Record<string, unknown>;

/** The keywords of API Gateway's draft-4 validator these models may use. */
const DRAFT4_SUBSET = new Set([
  'type',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'anyOf',
]);

function keywords(node: Node, found = new Set<string>()): Set<string> {
  for (const [key, value] of Object.entries(node)) {
    found.add(key);
    if (key === 'properties')
      for (const child of Object.values(value as Record<string, Node>)) keywords(child, found);
    else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object')
      keywords(value as Node, found);
    else if (key === 'anyOf') for (const child of value as Node[]) keywords(child, found);
  }
  return found;
}

function exclusiveBounds(node: Node, out: unknown[] = []): unknown[] {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') out.push(value);
    else if (value && typeof value === 'object') exclusiveBounds(value as Node, out);
  }
  return out;
}

const modelNameOf = (key: string) => key.replace(/[^A-Za-z0-9]/g, '');

describe('request models from the wire schemas', () => {
  it('keep the batch envelope and leave each item to the handler (SPEC §3: a bad item is rejected alone)', () => {
    const model = toRequestModel(EventBatchSchema, 'events') as Node;

    expect(model).toEqual({
      type: 'object',
      required: ['events'],
      properties: { events: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'object' } } },
    });
  });

  it('carry every field, its bounds and no unknown field of an admin body', () => {
    const model = toRequestModel(UpdateAppSchema) as {
      properties: Record<string, Node>;
      additionalProperties: boolean;
    };
    const settings = model.properties.settings as {
      properties: Record<string, Node>;
      additionalProperties: boolean;
    };

    expect(Object.keys(model.properties)).toEqual(Object.keys(UpdateAppSchema.shape));
    expect(model.additionalProperties).toBe(false);
    expect(settings.additionalProperties).toBe(false);
    expect(settings.properties.click_lookback_hours).toEqual({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 720,
    });
    expect(settings.properties.ip_handling).toMatchObject({ enum: ['full', 'truncated', 'hashed'] });
  });

  it.each(Object.entries(REQUEST_MODELS).map(([key, model]) => [key, model.schema as Node]))(
    '%s uses only the draft-4 keywords API Gateway takes',
    (_key, schema) => {
      expect([...keywords(schema)].filter((keyword) => !DRAFT4_SUBSET.has(keyword))).toEqual([]);
      // Draft 4: exclusive bounds are booleans beside minimum/maximum.
      for (const bound of exclusiveBounds(schema)) expect(typeof bound).toBe('boolean');
    },
  );

  it('exist for every route whose body is required, and enforce only the batches', () => {
    const required = Object.entries(ROUTE_WIRES).filter(([, w]) => w.body && !w.bodyOptional);

    expect(Object.keys(REQUEST_MODELS).sort()).toEqual(required.map(([key]) => key).sort());
    expect(
      Object.entries(REQUEST_MODELS)
        .filter(([, m]) => m.enforced)
        .map(([key]) => key)
        .sort(),
    ).toEqual(['POST /v1/events', 'POST /v1/touchpoints']);
  });

  it('require the query parameters the query schemas require', () => {
    expect(REQUIRED_QUERY_PARAMETERS['GET /v1/click/{appId}']).toEqual(['network']);
    expect(REQUIRED_QUERY_PARAMETERS['GET /v1/reports/{appId}/installs']).toEqual(['from', 'to']);
    expect(REQUIRED_QUERY_PARAMETERS['GET /v1/attribution/{appId}']).toEqual([]);
  });

  it('accept the examples of the API document where they bound a value', () => {
    for (const [key, wire] of Object.entries(ROUTE_WIRES)) {
      if (!wire.body) continue;
      expect((wire.body as z.ZodType).safeParse(wire.example).success, key).toBe(true);
    }
  });
});

describe('the deployed API', () => {
  let ingest: Template;

  beforeAll(() => {
    ingest = templateOf(regionOf(buildTestPlatform(), 'us-east-1').api);
  });

  it.each(Object.entries(REQUEST_MODELS))('deploys the model of %s as generated', (key, model) => {
    ingest.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: `${modelNameOf(key)}Body`,
      Schema: { $schema: 'http://json-schema.org/draft-04/schema#', ...model.schema },
    });
  });

  it('validates batch bodies at the gateway and leaves the others to the handler', () => {
    const validators = ingest.findResources('AWS::ApiGateway::RequestValidator');
    const idOf = (name: string) =>
      Object.entries(validators).find(([, v]) => v.Properties.Name === name)?.[0] as string;
    const methodOf = (operationName: string) =>
      Object.values(ingest.findResources('AWS::ApiGateway::Method')).find(
        (m) => m.Properties.OperationName === operationName,
      )?.Properties;

    expect(methodOf('POSTv1events').RequestValidatorId).toEqual({ Ref: idOf('body-and-parameters') });
    expect(methodOf('PUTv1tenantstenantIdappsappId').RequestValidatorId).toEqual({
      Ref: idOf('parameters-only'),
    });
    expect(Object.keys(methodOf('POSTv1reportsappIdreplay').RequestModels)).toEqual(['application/json']);
  });

  it('serves the API document and its page without a credential, and replay with a bearer token', () => {
    const methods = Object.values(ingest.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    const byName = (name: string) => methods.find((m) => m.OperationName === name);

    // Every route, and the mock GET /health of the Route 53 health check.
    expect(methods.length).toBe(ROUTES.length + 1);
    for (const name of ['GETv1openapijson', 'GETdocs']) {
      expect(byName(name)).toMatchObject({
        HttpMethod: 'GET',
        AuthorizationType: 'NONE',
      });
    }
    expect(byName('POSTv1reportsappIdreplay')).toMatchObject({
      HttpMethod: 'POST',
      AuthorizerId: expect.anything(),
    });
    // App keys are checked by the handlers, never by API Gateway (docs/deployment.md).
    expect(methods.filter((m) => m.ApiKeyRequired === true)).toEqual([]);
  });
});
