/**
 * URL templates of partner postbacks (SPEC §7): `{name}` macros replaced by URL-encoded values.
 * Pure: no I/O.
 */

/** Every macro a partner postback URL may use; any other `{name}` is refused at the `PUT`. */
export const POSTBACK_MACROS = [
  'click_id',
  'advertising_id',
  'vendor_id',
  'event_name',
  'revenue',
  'currency',
  'campaign',
  'adset',
  'ad',
  'install_time',
  'event_time',
  'country',
  'platform',
  'fraud_reasons',
  // The device IP exactly as the app keeps it (`ipHandling`: full, truncated or hashed).
  'ip',
] as const;
export type PostbackMacro = (typeof POSTBACK_MACROS)[number];

/** The values one delivery fills in; a macro without a value becomes the empty string. */
export type MacroValues = Readonly<Partial<Record<PostbackMacro, string>>>;

const MACRO_PATTERN = /\{([^{}]*)\}/g;
const KNOWN = new Set<string>(POSTBACK_MACROS);

/**
 * The `{name}` macros of a template that are not in `POSTBACK_MACROS`, in order of appearance.
 * @example unknownMacros('https://n.example/pb?c={click_id}&x={clickid}') // ['clickid']
 */
export function unknownMacros(template: string): string[] {
  const unknown: string[] = [];
  for (const match of template.matchAll(MACRO_PATTERN)) {
    const name = match[1] ?? '';
    if (!KNOWN.has(name) && !unknown.includes(name)) unknown.push(name);
  }
  return unknown;
}

/**
 * Fills a template: each macro becomes its value, URL-encoded with `encodeURIComponent` (so `&`, `=`,
 * `?`, `/`, spaces and non-ASCII cannot change the URL's structure). Unknown macros are left as written
 * (they are refused at the `PUT`, so none reach here).
 * @example renderTemplate('https://n.example/pb?c={campaign}', { campaign: 'black friday&co' })
 * // 'https://n.example/pb?c=black%20friday%26co'
 */
export function renderTemplate(template: string, values: MacroValues): string {
  return template.replace(MACRO_PATTERN, (whole, name: string) =>
    KNOWN.has(name) ? encodeURIComponent(values[name as PostbackMacro] ?? '') : whole,
  );
}
