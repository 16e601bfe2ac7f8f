import { MissingResourceError, TooManyApiKeysError } from '../../app/errors.js';
import { generateApiKey, hashApiKey } from '../../auth/api-keys.js';
import { generateSigningSecret } from '../../auth/signing.js';
import { HOUR_MS } from '../../domain/settings.js';
import { readJsonBody } from '../body.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { HttpRequest } from '../request.js';
import { json } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';
import type { ApiServices } from '../services.js';
import { DEFAULT_OLD_KEY_EXPIRY_HOURS, RotateKeySchema, SigningSecretSchema } from '../wire.js';
import { parse, requireUser, tenantForUser } from './admin.js';

/** An app's credentials: API key rotation and the signing secret of signed requests. */

export { DEFAULT_OLD_KEY_EXPIRY_HOURS, MAX_OLD_KEY_EXPIRY_HOURS } from '../wire.js';

/** Both routes take an optional body: none means the defaults. */
function optionalJsonBody(request: HttpRequest): Record<string, unknown> {
  return request.body?.trim() ? readJsonBody(request) : {};
}

const unknownApp = (appId: string | undefined) => new NotFoundError(`unknown app ${JSON.stringify(appId)}`);

/**
 * Rotates an app's API key: a new key works at once, the old ones until `old_key_expires_in_hours` from
 * now (0 revokes them). Only the key's hash is stored, in the replicated tenant registry.
 */
function rotateKey(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'keys:rotate');
    const appId = params.appId ?? '';
    const body = parse(RotateKeySchema, optionalJsonBody(request));
    if (!(await services.registry.getTenantApp(tenantId, appId))) throw unknownApp(appId);
    const apiKey = generateApiKey();
    const hours = body.old_key_expires_in_hours ?? DEFAULT_OLD_KEY_EXPIRY_HOURS;
    const nowMs = services.now();
    try {
      const rotation = await services.registry.rotateApiKey(
        tenantId,
        appId,
        hashApiKey(apiKey),
        nowMs + hours * HOUR_MS,
      );
      services.logger?.info('app key rotated', {
        tenant_id: tenantId,
        app_id: appId,
        key_id: rotation.created.keyId,
        old_keys: rotation.previous.length,
        old_key_expires_in_hours: hours,
      });
      // The key is shown this once; only its hash is stored.
      return json(201, {
        tenant_id: tenantId,
        app_id: appId,
        api_key: apiKey,
        key_id: rotation.created.keyId,
        created_at: rotation.created.createdAt,
        previous_keys: rotation.previous.map((key) => ({
          key_id: key.keyId,
          created_at: key.createdAt,
          expires_at: key.expiresAt,
        })),
      });
    } catch (error) {
      if (error instanceof MissingResourceError) throw unknownApp(appId);
      if (error instanceof TooManyApiKeysError) {
        throw new ConflictError(
          `${error.message}; rotate with old_key_expires_in_hours 0 to revoke the old keys`,
          { cause: error },
        );
      }
      throw error;
    }
  };
}

/**
 * Sets a new signing secret (body `{}` or `{ "enabled": true }`; 201, the secret shown once; a previous
 * secret stops working) or turns signing off (`{ "enabled": false }`; 200).
 */
function signingSecret(services: ApiServices): RouteHandler {
  return async ({ request, params, user }) => {
    const tenantId = tenantForUser(requireUser(user), params.tenantId ?? '', 'signing:write');
    const appId = params.appId ?? '';
    const body = parse(SigningSecretSchema, optionalJsonBody(request));
    const enabled = body.enabled ?? true;
    const secret = enabled ? generateSigningSecret() : undefined;
    const app = await services.registry.setSigningSecret(tenantId, appId, secret);
    if (!app) throw unknownApp(appId);
    services.logger?.info(enabled ? 'signing secret set' : 'signing turned off', {
      tenant_id: tenantId,
      app_id: appId,
    });
    if (!app.signing) return json(200, { tenant_id: tenantId, app_id: appId, signing: { enabled: false } });
    return json(201, {
      tenant_id: tenantId,
      app_id: appId,
      signing: { enabled: true, created_at: app.signing.createdAt },
      signing_secret: secret,
    });
  };
}

export function keyRoutes(services: ApiServices): Partial<Record<RouteKey, RouteHandler>> {
  return {
    'POST /v1/tenants/{tenantId}/apps/{appId}/keys': rotateKey(services),
    'POST /v1/tenants/{tenantId}/apps/{appId}/signing-secret': signingSecret(services),
  };
}
