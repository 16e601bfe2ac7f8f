/**
 * Renders a zod schema as a markdown reference table (one row per field, nested objects flattened into
 * dotted paths): type, allowed values or range, default and description, all read from the schema itself
 * (`z.toJSONSchema`; descriptions from `.describe()` / `.meta()`, else from a map such as the TSDoc
 * comments `tsdocDescriptions` reads). A discriminated union lists its discriminator with every value,
 * then each variant's fields, each said to apply with its value. The reference pages under
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
  /** Descriptions by path, for fields whose schema carries none. */
  readonly descriptions: ReadonlyMap<string, string>;
  /** The union variant a field belongs to, e.g. `kind: cognito`. */
  readonly variant?: string;
}

/** A field's description: its schema's, else the map's; a union variant's field says which variant. */
function describe(schema: JsonSchema, path: string, options: FlattenOptions): string {
  const text = schema.description ?? options.descriptions.get(path) ?? '';
  return options.variant ? `With \`${options.variant}\`. ${text}`.trim() : text;
}

/** The discriminated union a schema is (each variant an object with one `const` property in common). */
function unionOf(schema: JsonSchema): { discriminator: string; variants: JsonSchema[] } | undefined {
  const variants = (schema.oneOf ?? schema.anyOf ?? []).filter((v) => v.properties);
  const [first] = variants;
  if (first === undefined || variants.length < 2) return undefined;
  const discriminator = Object.keys(first.properties ?? {}).find((name) =>
    variants.every((v) => v.properties?.[name]?.const !== undefined),
  );
  return discriminator === undefined ? undefined : { discriminator, variants };
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
      description: describe(schema, prefix, options),
    });
  }
  if (collapsed) return;
  const union = unionOf(schema);
  if (union) {
    const { discriminator, variants } = union;
    const values = variants.map((v) => v.properties?.[discriminator]?.const);
    const chosen =
      own !== null && typeof own === 'object' ? (own as Record<string, unknown>)[discriminator] : undefined;
    const path = `${prefix}.${discriminator}`;
    out.push({
      path,
      type: 'string',
      required: true,
      allowed: values.map(code).join(', '),
      defaultValue: chosen === undefined ? '' : code(chosen),
      description:
        options.descriptions.get(path) ??
        `Which variant: each field below names the \`${discriminator}\` it belongs to.`,
    });
    for (const [i, variant] of variants.entries())
      for (const [name, child] of Object.entries(variant.properties ?? {}))
        if (name !== discriminator)
          flatten(child, `${prefix}.${name}`, variant.required?.includes(name) ?? false, undefined, out, {
            ...options,
            variant: `${discriminator}: ${String(values[i])}`,
          });
  }
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
  descriptions: ReadonlyMap<string, string> = new Map(),
): SchemaRow[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const rows: SchemaRow[] = [];
  flatten(json, '', true, defaults, rows, { collapse, descriptions });
  return rows;
}

/** A markdown table of a schema's fields. */
export function schemaTable(
  schema: z.ZodType,
  defaults?: unknown,
  collapse: readonly string[] = [],
  descriptions: ReadonlyMap<string, string> = new Map(),
): string {
  const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const lines = ['| field | type | allowed | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const row of schemaRows(schema, defaults, collapse, descriptions)) {
    const field = `\`${row.path}\`${row.required ? ' (required)' : ''}`;
    lines.push(
      `| ${field} | ${row.type} | ${cell(row.allowed)} | ${cell(row.defaultValue)} | ${cell(row.description)} |`,
    );
  }
  return lines.join('\n');
}
