/**
 * The one definition of how a Lambda handler is bundled: `lib/compute/platform-function.ts` hands it to
 * the CDK's NodejsFunction (esbuild), and `src/tools/bundle-size.ts` and the cold-start benchmark call
 * esbuild with the same values (`esbuildOptions`), so the sizes they report are the deployed ones.
 * Pure data and one mapping: no esbuild or CDK import here.
 */

/**
 * Packages the bundles leave out. The AWS SDK clients stay bundled (versions pinned by our lock file);
 * these are only the credential providers the SDK's default chain loads with `await import()` after
 * the environment provider, which always succeeds in Lambda (the runtime sets AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN). Were one ever reached, the Node.js runtime's own copy of
 * the AWS SDK v3 would answer the import. Together about 95 KB minified per function.
 */
export const LAZY_CREDENTIAL_PROVIDERS: readonly string[] = [
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

/**
 * Scalar's standalone API reference, the script of `GET /docs` (served by the API itself: no CDN). It is
 * not code the handler imports, so bundling copies it beside the bundle of the function serving the docs.
 */
export const DOCS_ASSET = {
  packageName: '@scalar/api-reference',
  /** Inside the package. */
  packageRelativePath: 'dist/browser/standalone.js',
  /** Beside the bundle, and in the page's `?asset=` URL. */
  fileName: 'api-reference.js',
  /** The function whose routes include `GET /docs` (see `ROUTES`). */
  handler: 'query',
} as const;

/**
 * The IP-to-country table (SPEC §8 country of installs and events): data files of an npm package that
 * no code imports, so bundling copies them beside the bundle of the function running ingest.
 */
export const COUNTRY_DB_ASSET = {
  packageName: '@ip-location-db/geo-whois-asn-country',
  /** Inside the package and beside the bundle: numeric ranges `first,last,country`. */
  ipv4File: 'geo-whois-asn-country-ipv4-num.csv',
  ipv6File: 'geo-whois-asn-country-ipv6-num.csv',
  /** The function whose routes ingest events and touchpoints (see `ROUTES`). */
  handler: 'ingest',
} as const;

/**
 * The constant the bundles get for `process.env.UNMOGROWP_TRACE_SDK_CALLS` (see
 * `src/composition/observability.ts`): without SDK-call tracing, esbuild leaves the Powertools tracer and
 * the X-Ray SDK out of the bundle (about 110 KiB). Lambda's own active tracing (the invocation's segment,
 * API Gateway to Lambda) does not need them and stays on.
 */
export function traceDefine(traceSdkCalls: boolean): Record<string, string> {
  return { 'process.env.UNMOGROWP_TRACE_SDK_CALLS': JSON.stringify(traceSdkCalls ? 'true' : 'false') };
}

/** How every Lambda handler is bundled. */
export const LAMBDA_BUNDLING = {
  format: 'esm',
  /** The Lambda runtime's Node.js major (NODEJS_24_X). */
  target: 'node24',
  minify: true,
  sourceMap: true,
  /** ESM builds of dependencies first: they tree-shake, their CommonJS builds do not. */
  mainFields: ['module', 'main'],
  /** ESM bundles of CommonJS dependencies still call `require`. */
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  externalModules: LAZY_CREDENTIAL_PROVIDERS,
} as const;

/**
 * The same settings as options of esbuild's `build()` (one output file, `<name>.mjs`).
 * @param traceSdkCalls the function's `traceSdkCalls` (PlatformFunction); @default false
 */
export function esbuildOptions(entry: string, outfile: string, traceSdkCalls = false) {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node' as const,
    format: LAMBDA_BUNDLING.format,
    target: LAMBDA_BUNDLING.target,
    minify: LAMBDA_BUNDLING.minify,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    banner: { js: LAMBDA_BUNDLING.banner },
    external: [...LAMBDA_BUNDLING.externalModules],
    define: traceDefine(traceSdkCalls),
    logLevel: 'silent' as const,
  };
}
