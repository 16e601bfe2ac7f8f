import type { AppRecord } from '../../app/records.js';
import type { AppPrincipal } from '../../auth/permissions.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyRequestSignature } from '../../auth/signing.js';
import { ipProtector } from '../../domain/ip-privacy.js';
import { NotFoundError, UnauthorizedError } from '../errors.js';
import type { HttpRequest } from '../request.js';
import type { ApiServices } from '../services.js';

/**
 * What the ingest routes check and apply per app before anything is published: the signed-request
 * check of apps with a signing secret, and the app's IP handling.
 */

/**
 * The app an API-key route works for, after its signed-request check: an app with a signing secret
 * refuses a request its secret did not sign with 401 `incorrect_signature`, before the body is read.
 */
export async function signedApp(
  services: Pick<ApiServices, 'registry' | 'now'>,
  principal: AppPrincipal,
  request: HttpRequest,
): Promise<AppRecord> {
  const app = await services.registry.getApp(principal.appId);
  if (!app || app.tenantId !== principal.tenantId) throw new NotFoundError();
  if (!app.signing) return app;
  const check = verifyRequestSignature({
    secret: app.signing.secret,
    timestamp: request.headers[TIMESTAMP_HEADER],
    signature: request.headers[SIGNATURE_HEADER],
    body: request.body ?? '',
    nowMs: services.now(),
  });
  if (!check.ok) {
    throw new UnauthorizedError(check.message, {
      code: 'incorrect_signature',
      context: { reason: check.reason, app_id: app.appId },
    });
  }
  return app;
}

/**
 * The function that turns a received IP into the form the app keeps (`ipHandling`). Every app gets its
 * IP hash key with its creation or next update (the ingest function only reads the registry); should a
 * hashed app lack one, its IPs are dropped rather than kept in a form it did not ask for.
 */
export async function ipKeeperFor(
  services: Pick<ApiServices, 'logger' | 'effectiveSettings'>,
  app: AppRecord,
): Promise<(ip: string | undefined) => string | undefined> {
  const handling = services.effectiveSettings(app.settings).ipHandling;
  if (handling !== 'hashed') return ipProtector(handling);
  if (!app.ipHashKey) {
    services.logger?.warn('app keeps IPs hashed but has no IP hash key; IPs dropped', {
      tenant_id: app.tenantId,
      app_id: app.appId,
    });
    return () => undefined;
  }
  return ipProtector('hashed', app.ipHashKey);
}
