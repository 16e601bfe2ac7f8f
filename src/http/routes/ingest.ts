import { StreamPublishError } from '../../app/errors.js';
import type { AppRecord } from '../../app/records.js';
import { REQUEST_LIMITS } from '../../definitions/routes.js';
import { type CountryOfIp, withCountry } from '../../domain/country.js';
import { withProtectedIp } from '../../domain/ip-privacy.js';
import { type PipelineRecord, REFERRER_CLICK_ID_PARAM } from '../../domain/records.js';
import { stripUndefined, validateEvent, validateTouchpoint } from '../../domain/validation.js';
import { readBatch, readJsonBody } from '../body.js';
import { BadRequestError, NotFoundError, ServiceUnavailableError } from '../errors.js';
import { admitRequest, withinDailyQuota } from '../limits.js';
import { type HttpResponse, json } from '../request.js';
import type { RouteContext, RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { ipKeeperFor, signedApp } from './ingest-guards.js';

/**
 * The ingest routes: tracking links (click, impression), S2S touchpoints and SDK event batches. They
 * validate, normalise and put records on the stream; attribution happens in the consumer.
 */

/** One rejected item of a batch answer. */
export interface RejectedItem {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

type DevicePlatform = 'android' | 'ios' | 'web';

/** The platform a tracking link was opened on, from its User-Agent. */
export function platformOf(userAgent: string | undefined): DevicePlatform {
  if (!userAgent) return 'web';
  if (/android/i.test(userAgent)) return 'android';
  if (/iphone|ipad|ipod/i.test(userAgent)) return 'ios';
  return 'web';
}

/**
 * Adds our click id to a Google Play URL's `referrer` parameter (the Play Install Referrer hands it to
 * the SDK), keeping any referrer the link already had. Other URLs are returned unchanged.
 */
export function withPlayReferrer(storeUrl: string, clickId: string): string {
  let url: URL;
  try {
    url = new URL(storeUrl);
  } catch {
    return storeUrl;
  }
  if (url.hostname !== 'play.google.com') return storeUrl;
  const existing = url.searchParams.get('referrer');
  const ours = `${REFERRER_CLICK_ID_PARAM}=${clickId}`;
  url.searchParams.set('referrer', existing ? `${existing}&${ours}` : ours);
  return url.toString();
}

/** Where a click goes: an allowed `redirect` override, else the store of the caller's platform. */
export function redirectTarget(
  app: AppRecord,
  platform: DevicePlatform,
  redirect: string | undefined,
): string | undefined {
  if (redirect !== undefined) {
    let url: URL;
    try {
      url = new URL(redirect);
    } catch {
      throw new BadRequestError('invalid_redirect', 'redirect: expected an absolute http(s) URL', {
        details: [{ field: 'redirect', message: 'expected an absolute http(s) URL' }],
      });
    }
    const allowed =
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      app.allowedRedirectHosts.includes(url.hostname);
    if (!allowed) {
      throw new BadRequestError(
        'redirect_not_allowed',
        `redirect: host ${JSON.stringify(url.hostname)} is not in the app's allowed redirect hosts`,
        { details: [{ field: 'redirect', message: 'host not allowed by the app settings' }] },
      );
    }
    return url.toString();
  }
  const urls = app.storeUrls;
  if (platform === 'android') return urls.android ?? urls.web;
  if (platform === 'ios') return urls.ios ?? urls.web;
  return urls.web ?? urls.android ?? urls.ios;
}

/** The IP-to-country look-up of the ingest routes; the country is derived before the IP is kept. */
function countryOfIp(services: ApiServices): CountryOfIp | undefined {
  const countries = services.countries;
  return countries ? (ip) => countries.countryOf(ip) : undefined;
}

async function publish(services: ApiServices, records: readonly PipelineRecord[]): Promise<void> {
  if (records.length === 0) return;
  try {
    await services.publisher.publish(records);
  } catch (error) {
    if (error instanceof StreamPublishError) {
      // Safe to retry: events are idempotent by event_id.
      throw new ServiceUnavailableError('the ingest stream is unavailable; retry the request', {
        cause: error,
        context: error.context,
        retryAfterSeconds: 1,
      });
    }
    throw error;
  }
}

/** A tracking-link flag: `1`/`true` and `0`/`false`; any other value is passed on for validation to refuse. */
function linkFlag(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return value;
}

function trackingLink(services: ApiServices, type: 'click' | 'impression'): RouteHandler {
  return async ({ request, params }: RouteContext): Promise<HttpResponse> => {
    const appId = params.appId ?? '';
    const app = await services.registry.getApp(appId);
    if (!app) throw new NotFoundError(`unknown app ${JSON.stringify(appId)}`);
    await admitRequest(services, app);
    const q = request.query;
    const userAgent = request.headers['user-agent'];
    const platform = platformOf(userAgent);
    const nowMs = services.now();
    const id = services.newId();
    // The redirect is decided before anything is written: a rejected link records nothing.
    const target = type === 'click' ? redirectTarget(app, platform, q.redirect) : undefined;
    if (type === 'click' && !target) {
      throw new BadRequestError(
        'no_redirect_target',
        `app ${appId} has no store URL for ${platform} and no redirect`,
      );
    }
    const input = stripUndefined({
      type,
      network: q.network,
      campaign: q.campaign,
      adset: q.adset,
      ad: q.ad,
      click_id: q.click_id,
      retargeting: linkFlag(q.retargeting),
      timestamp: new Date(nowMs).toISOString(),
      device: stripUndefined({
        platform: platform === 'web' ? undefined : platform,
        advertising_id: q.advertising_id,
        vendor_id: q.vendor_id,
      }),
      ip: request.sourceIp,
      user_agent: userAgent?.slice(0, 1024),
    });
    const result = validateTouchpoint(input, { tenantId: app.tenantId, appId, nowMs, id });
    if (!result.ok) {
      throw new BadRequestError(result.code, result.message, {
        details: [{ field: result.field, code: result.code, message: result.message }],
      });
    }
    const touchpoint = withProtectedIp(
      withCountry(result.value, countryOfIp(services)),
      await ipKeeperFor(services, app),
    );
    await publish(services, [{ kind: 'touchpoint', receivedAtMs: nowMs, touchpoint }]);
    if (type === 'impression') return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
    const location = platform === 'android' ? withPlayReferrer(target as string, id) : (target as string);
    return {
      statusCode: 302,
      headers: { location, 'cache-control': 'no-store', 'x-click-id': id },
      body: '',
    };
  };
}

function touchpointBatch(services: ApiServices): RouteHandler {
  return async ({ request, app }) => {
    if (!app) throw new NotFoundError();
    await admitRequest(services, app);
    const keepIp = await ipKeeperFor(services, await signedApp(services, app, request));
    const countryOf = countryOfIp(services);
    const body = readJsonBody(request);
    const items = readBatch(body, 'touchpoints', REQUEST_LIMITS.maxTouchpointsPerBatch);
    const nowMs = services.now();
    const rejected: RejectedItem[] = [];
    const records: PipelineRecord[] = [];
    const ids: { index: number; id: string }[] = [];
    items.forEach((item, index) => {
      const id = services.newId();
      const result = validateTouchpoint(item, { tenantId: app.tenantId, appId: app.appId, nowMs, id });
      if (!result.ok) {
        rejected.push({ index, code: result.code, message: `touchpoints[${index}].${result.message}` });
        return;
      }
      records.push({
        kind: 'touchpoint',
        receivedAtMs: nowMs,
        touchpoint: withProtectedIp(withCountry(result.value, countryOf), keepIp),
      });
      ids.push({ index, id });
    });
    await publish(services, records);
    return json(202, { accepted: records.length, rejected, touchpoints: ids });
  };
}

function eventBatch(services: ApiServices): RouteHandler {
  return async ({ request, app }) => {
    if (!app) throw new NotFoundError();
    await admitRequest(services, app);
    const keepIp = await ipKeeperFor(services, await signedApp(services, app, request));
    const countryOf = countryOfIp(services);
    const body = readJsonBody(request);
    const items = readBatch(body, 'events', REQUEST_LIMITS.maxEventsPerBatch);
    const nowMs = services.now();
    const rejected: RejectedItem[] = [];
    const records: PipelineRecord[] = [];
    items.forEach((item, index) => {
      const result = validateEvent(item, { tenantId: app.tenantId, appId: app.appId, nowMs });
      if (!result.ok) {
        rejected.push({ index, code: result.code, message: `events[${index}].${result.message}` });
        return;
      }
      records.push({
        kind: 'event',
        receivedAtMs: nowMs,
        event: withProtectedIp(withCountry(result.value, countryOf), keepIp),
      });
    });
    await withinDailyQuota(services, app, records.length, () => publish(services, records));
    return json(202, { accepted: records.length, rejected });
  };
}

export function ingestRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'GET /v1/click/{appId}': trackingLink(services, 'click'),
    'GET /v1/impression/{appId}': trackingLink(services, 'impression'),
    'POST /v1/touchpoints': touchpointBatch(services),
    'POST /v1/events': eventBatch(services),
  };
}
