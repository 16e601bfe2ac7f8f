/**
 * Renders a zod schema as a markdown reference table (one row per field, nested objects flattened into
 * dotted paths): type, allowed values or range, default and description, all read from the schema itself
 * (`z.toJSONSchema`; descriptions from `.describe()` / `.meta()`). The reference pages under
 * `docs/reference/` are built with it, and a test keeps them equal to what the code says.
 */
import * as z from 'zod';

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly default?: unknown;
  readonly description?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
}

export interface SchemaRow {
  readonly path: string;
  readonly type: string;
  readonly required: boolean;
  readonly allowed: string;
  readonly defaultValue: string;
  readonly description: string;
}

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function typeOf(schema: JsonSchema): string {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return [...new Set(variants.map(typeOf))].join(' \\| ');
  if (schema.const !== undefined) return 'string';
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  if (schema.type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
  return (schema.type as string | undefined) ?? 'any';
}

function allowedOf(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.enum) parts.push(schema.enum.map(code).join(', '));
  if (schema.const !== undefined) parts.push(code(schema.const));
  const low =
    schema.minimum !== undefined
      ? `≥ ${schema.minimum}`
      : schema.exclusiveMinimum !== undefined
        ? `> ${schema.exclusiveMinimum}`
        : '';
  const high =
    schema.maximum !== undefined
      ? `≤ ${schema.maximum}`
      : schema.exclusiveMaximum !== undefined
        ? `< ${schema.exclusiveMaximum}`
        : '';
  if (low || high) parts.push([low, high].filter(Boolean).join(', '));
  if (schema.minLength !== undefined || schema.maxLength !== undefined)
    parts.push(`${schema.minLength ?? 0}–${schema.maxLength ?? '∞'} characters`);
  if (schema.minItems !== undefined || schema.maxItems !== undefined)
    parts.push(`${schema.minItems ?? 0}–${schema.maxItems ?? '∞'} items`);
  if (schema.pattern) parts.push(`pattern ${code(schema.pattern)}`);
  if (schema.format) parts.push(schema.format);
  return parts.join('; ');
}

interface FlattenOptions {
  /** Paths whose fields are not listed (their own row stays), e.g. a sub-schema with a page of its own. */
  readonly collapse: readonly string[];
}

function flatten(
  schema: JsonSchema,
  prefix: string,
  required: boolean,
  defaults: unknown,
  out: SchemaRow[],
  options: FlattenOptions,
) {
  const own = schema.default !== undefined ? schema.default : defaults;
  const collapsed = options.collapse.includes(prefix);
  if (prefix) {
    const leaf = !schema.properties || collapsed;
    out.push({
      path: prefix,
      type: typeOf(schema),
      required,
      allowed: allowedOf(schema),
      defaultValue: leaf && own !== undefined ? code(own) : '',
      description: schema.description ?? '',
    });
  }
  if (collapsed) return;
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const childDefault =
      own !== null && typeof own === 'object' ? (own as Record<string, unknown>)[name] : undefined;
    const path = prefix ? `${prefix}.${name}` : name;
    flatten(child, path, schema.required?.includes(name) ?? false, childDefault, out, options);
  }
  if (schema.type === 'array' && schema.items?.properties) {
    flatten({ ...schema.items, type: 'object' }, `${prefix}[]`, false, undefined, out, options);
  }
}

/** The rows of a schema's reference table; `defaults` fills in defaults the schema itself does not carry. */
export function schemaRows(
  schema: z.ZodType,
  defaults?: unknown,
  collapse: readonly string[] = [],
): SchemaRow[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: SchemaRow[] = [];
  flatten(json, '', true, defaults, rows, { collapse });
  return rows;
}

/** A markdown table of a schema's fields. */
export function schemaTable(schema: z.ZodType, defaults?: unknown, collapse: readonly string[] = []): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = ['| field | type | allowed | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const row of schemaRows(schema, defaults, collapse)) {
    const field = `\`${row.path}\`${row.required ? ' (required)' : ''}`;
    lines.push(
      `| ${field} | ${row.type} | ${cell(row.allowed)} | ${cell(row.defaultValue)} | ${cell(row.description)} |`,
    );
  }
  return lines.join('\n');
}
