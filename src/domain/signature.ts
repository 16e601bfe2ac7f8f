/**
 * The probabilistic device signature: IP plus a normalised User-Agent (platform, OS major version, device
 * model). A click's browser User-Agent and an SDK's explicit device fields normalise to the same parts,
 * so `Mozilla/5.0 (Linux; Android 14; Pixel 8) …` and `{ platform: 'android', os_version: '14.0',
 * model: 'Pixel 8' }` give the same signature.
 */

export interface UserAgentParts {
  readonly platform?: string;
  /** OS major version (`14`, `17`). */
  readonly osMajor?: string;
  /** Normalised model: lower case, no spaces; on iOS the family (`iphone`, `ipad`), all a browser reveals. */
  readonly model?: string;
}

const EMPTY: UserAgentParts = {};
const IOS = /\((iPhone|iPad|iPod)[^)]*?OS (\d+)[_\d]* like Mac OS X/;
const LOCALE = /^[a-z]{2}(?:[-_][a-z]{2})?$/i;
const cache = new Map<string, UserAgentParts>();
const CACHE_LIMIT = 10_000;

/** Normalises a model name: `Pixel 8` → `pixel8`; `iPhone15,2` → `iphone`. */
const modelCache = new Map<string, string | undefined>();

export function normaliseModel(model: string | undefined, platform: string | undefined): string | undefined {
  if (!model) return undefined;
  const key = platform === 'ios' || platform === undefined ? `i${model}` : `a${model}`;
  if (modelCache.has(key)) return modelCache.get(key);
  const normalised = normaliseModelUncached(model, platform);
  if (modelCache.size >= CACHE_LIMIT) modelCache.clear();
  modelCache.set(key, normalised);
  return normalised;
}

function normaliseModelUncached(model: string, platform: string | undefined): string | undefined {
  const m = model.toLowerCase().replace(/[\s_-]+/g, '');
  if (platform === 'ios' || platform === undefined) {
    for (const family of ['iphone', 'ipad', 'ipod']) if (m.startsWith(family)) return family;
  }
  return m || undefined;
}

/** OS major version: `14.0.1` → `14`, `17_1` → `17`. */
export function osMajorOf(version: string | undefined): string | undefined {
  if (!version) return undefined;
  let end = 0;
  while (end < version.length && version.charCodeAt(end) >= 48 && version.charCodeAt(end) <= 57) end++;
  if (end === version.length && end > 0 && version.charCodeAt(0) !== 48) return version;
  const match = /\d+/.exec(version);
  return match ? String(Number(match[0])) : undefined;
}

function parseAndroid(ua: string, at: number): UserAgentParts {
  const rest = ua.slice(at + 8);
  const major = /^\d+/.exec(rest)?.[0];
  const close = rest.indexOf(')');
  const segments = (close === -1 ? rest : rest.slice(0, close)).split(';');
  let model: string | undefined;
  for (let i = 1; i < segments.length; i++) {
    const segment = (segments[i] ?? '').trim();
    if (!segment || segment === 'wv' || LOCALE.test(segment)) continue;
    const build = segment.indexOf(' Build/');
    model = build === -1 ? segment : segment.slice(0, build);
    break;
  }
  // Chrome's reduced User-Agent freezes every device to `Android 10; K`: neither part is real.
  if (model === 'K' && major === '10') return { platform: 'android' };
  return {
    platform: 'android',
    ...(major ? { osMajor: String(Number(major)) } : {}),
    ...(model ? { model: normaliseModel(model, 'android') } : {}),
  };
}

/** Reads platform, OS major version and model out of common Android and iOS User-Agent strings. */
export function parseUserAgent(ua: string | undefined): UserAgentParts {
  if (!ua) return EMPTY;
  const cached = cache.get(ua);
  if (cached) return cached;
  let parts: UserAgentParts = EMPTY;
  const android = ua.indexOf('Android ');
  if (android !== -1) parts = parseAndroid(ua, android);
  else {
    const ios = IOS.exec(ua);
    if (ios) parts = { platform: 'ios', osMajor: ios[2], model: (ios[1] ?? '').toLowerCase() };
    else if (ua.includes('CFNetwork') || ua.includes('Darwin/')) parts = { platform: 'ios' };
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(ua, parts);
  return parts;
}

/** What a signature is built from: explicit device fields win over what the User-Agent says. */
export interface SignatureInput {
  readonly ip?: string;
  readonly userAgent?: string;
  readonly platform?: string;
  readonly osVersion?: string;
  readonly model?: string;
}

/** The parts of a signature, before they are joined. */
export function signatureParts(input: SignatureInput): UserAgentParts {
  const ua = parseUserAgent(input.userAgent);
  const platform = input.platform ?? ua.platform;
  const osMajor = osMajorOf(input.osVersion) ?? ua.osMajor;
  const model = normaliseModel(input.model, platform) ?? ua.model;
  const parts: { platform?: string; osMajor?: string; model?: string } = {};
  if (platform) parts.platform = platform;
  if (osMajor) parts.osMajor = osMajor;
  if (model) parts.model = model;
  return parts;
}

/**
 * The signature a touchpoint is stored under: `ip|platform|osMajor|model`, unknown parts empty.
 * Undefined without an IP: there is nothing to match on.
 * @example touchpointSignature({ ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) …' })
 * // '203.0.113.7|android|14|pixel8'
 */
export function touchpointSignature(input: SignatureInput): string | undefined {
  if (!input.ip) return undefined;
  const p = signatureParts(input);
  return `${input.ip}|${p.platform ?? ''}|${p.osMajor ?? ''}|${p.model ?? ''}`;
}

/**
 * The signatures an install looks up, most specific first: its own, then with the model and then the OS
 * left out, so that a click whose browser hid those parts (reduced User-Agents) still matches.
 */
export function installSignatures(input: SignatureInput): readonly string[] {
  if (!input.ip) return [];
  const p = signatureParts(input);
  const platform = p.platform ?? '';
  const out = [`${input.ip}|${platform}|${p.osMajor ?? ''}|${p.model ?? ''}`];
  if (p.model) out.push(`${input.ip}|${platform}|${p.osMajor ?? ''}|`);
  if (p.osMajor) out.push(`${input.ip}|${platform}||`);
  return out;
}
