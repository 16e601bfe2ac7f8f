import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCS_ASSET } from '../../tools/bundling.js';
import { NotFoundError } from '../errors.js';
import { buildOpenApiDocument } from '../openapi.js';
import { type HttpResponse, JSON_HEADERS } from '../request.js';
import type { RouteHandler, RouteKey } from '../router.js';

/**
 * The API described for machines (`GET /v1/openapi.json`) and for people (`GET /docs`, Scalar's API
 * reference). The page loads nothing from elsewhere: its script is Scalar's standalone bundle, served by
 * this same route (`/docs?asset=api-reference.js`) from node_modules in local mode and from beside the
 * Lambda bundle in the cloud (`DOCS_ASSET`, copied there at bundling), and its CSP allows only itself.
 */

/** Everything the page may load comes from this API; fonts fall back to the system's. */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where Scalar's standalone bundle is: beside the Lambda bundle, else in node_modules. */
export function docsAssetPath(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), DOCS_ASSET.fileName);
  if (existsSync(beside)) return beside;
  const main = createRequire(import.meta.url).resolve(DOCS_ASSET.packageName);
  // The package's main is dist/index.js; the standalone bundle sits under dist/ (not in its exports map).
  return join(dirname(main), DOCS_ASSET.packageRelativePath.replace(/^dist\//, ''));
}

let asset: string | undefined;
const readAsset = (): string => {
  asset ??= readFileSync(docsAssetPath(), 'utf8');
  return asset;
};

/** Inline JSON inside a script element must not close it. */
const scriptSafe = (json: string) => json.replaceAll('<', '\\u003c');

export function docsPage(document: unknown): string {
  const config = { content: document, withDefaultFonts: false, hideClientButton: false };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>UnMoGrowP API reference</title>
</head>
<body>
<div id="app"></div>
<script id="api-reference-config" type="application/json">${scriptSafe(JSON.stringify(config))}</script>
<!-- A query-only URL: it resolves against this page's own path, with or without the stage prefix. -->
<script src="?asset=${DOCS_ASSET.fileName}"></script>
<script>
  const config = JSON.parse(document.getElementById('api-reference-config').textContent);
  Scalar.createApiReference('#app', config);
</script>
</body>
</html>
`;
}

function openApiJson(): RouteHandler {
  let body: string | undefined;
  return async () => {
    body ??= JSON.stringify(buildOpenApiDocument());
    return { statusCode: 200, headers: { ...JSON_HEADERS, 'cache-control': 'no-cache' }, body };
  };
}

function docs(): RouteHandler {
  let page: string | undefined;
  return async ({ request }): Promise<HttpResponse> => {
    const wanted = request.query.asset;
    if (wanted !== undefined) {
      if (wanted !== DOCS_ASSET.fileName) throw new NotFoundError(`unknown asset ${JSON.stringify(wanted)}`);
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'cache-control': 'public, max-age=86400',
          'x-content-type-options': 'nosniff',
        },
        body: readAsset(),
      };
    }
    page ??= docsPage(buildOpenApiDocument());
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': DOCS_CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
      },
      body: page,
    };
  };
}

export function docsRoutes(): Partial<Record<RouteKey, RouteHandler>> {
  return { 'GET /v1/openapi.json': openApiJson(), 'GET /docs': docs() };
}
