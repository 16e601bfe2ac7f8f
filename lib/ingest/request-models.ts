import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as z from 'zod';
import type { RouteDefinition } from '../../src/definitions/index.js';
import { pathParameters } from '../../src/http/openapi.js';
import { ROUTE_WIRES } from '../../src/http/wire.js';

export { pathParameters };

/**
 * API Gateway request models, generated from the wire schemas that validate requests
 * (`src/http/wire.ts`), in the part of JSON Schema draft 4 API Gateway accepts.
 *
 * Where API Gateway enforces a model: the batch routes, whose envelope (an object with 1 to 500 items)
 * it checks before a function runs; the items are checked one by one by the handler, so a bad item is
 * rejected alone and the others are kept (SPEC §3). The other bodies carry their model (exports, SDKs)
 * and are validated by the handler, whose 400 names the field (a gateway 400 cannot).
 */

/** Keywords API Gateway's draft-4 validator takes; the rest (formats, `propertyNames`, ...) is dropped. */
const KEPT = new Set([
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

type Schema = Record<string, unknown>;

/** One JSON Schema node cut to the kept keywords; a `format`'s (long, engine-specific) pattern goes too. */
function keep(node: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (!KEPT.has(key)) continue;
    if (key === 'pattern' && node.format !== undefined) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, child]) => [name, keep(child)]),
      );
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = keep(value as Schema);
    } else if (key === 'anyOf') {
      const branches = (value as Schema[]).map(keep);
      // Alternatives that differ only by what was dropped (IPv4 | IPv6 formats) collapse to one.
      const distinct = [...new Map(branches.map((b) => [JSON.stringify(b), b])).values()];
      if (distinct.length === 1) Object.assign(out, distinct[0]);
      else out.anyOf = distinct;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/**
 * A zod schema as an API Gateway model schema (draft 4). `batchOf` names a batch's array: its items are
 * left to the handler.
 * @example
 * const model = toRequestModel(EventBatchSchema, 'events');
 */
export function toRequestModel(schema: z.ZodType, batchOf?: string): apigateway.JsonSchema {
  const json = keep(
    z.toJSONSchema(schema, { target: 'draft-04', io: 'input', unrepresentable: 'any' }) as Schema,
  );
  if (batchOf) {
    const array = (json.properties as Record<string, Schema> | undefined)?.[batchOf];
    if (!array) throw new Error(`batchOf: ${batchOf} is not a property of the batch schema`);
    array.items = { type: 'object' };
  }
  // JsonSchemaType's values are the JSON Schema type names, so the JSON is the CDK shape as it is.
  return json as apigateway.JsonSchema;
}

export interface RequestModel {
  readonly schema: apigateway.JsonSchema;
  /** Whether API Gateway rejects a body that fails it before a function runs. */
  readonly enforced: boolean;
}

/** The request model of every route with a required body, by `METHOD path`. */
export const REQUEST_MODELS: Readonly<Record<string, RequestModel>> = Object.fromEntries(
  Object.entries(ROUTE_WIRES)
    // An optional body (none means the defaults) cannot be checked against a model by API Gateway.
    .filter(([, wire]) => wire.body !== undefined && !wire.bodyOptional)
    .map(([key, wire]) => [
      key,
      {
        schema: toRequestModel(wire.body as z.ZodType, wire.batchOf),
        enforced: wire.batchOf !== undefined,
      },
    ]),
);

/** Query string parameters a route cannot do without (the required keys of its query schema). */
export const REQUIRED_QUERY_PARAMETERS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(ROUTE_WIRES)
    .filter(([, wire]) => wire.query !== undefined)
    .map(([key, wire]) => [
      key,
      Object.entries(wire.query?.shape ?? {})
        .filter(([, schema]) => !(schema as z.ZodType).safeParse(undefined).success)
        .map(([name]) => name),
    ]),
);

export const routeKey = (route: RouteDefinition): string => `${route.method} ${route.path}`;
