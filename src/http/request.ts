import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

/**
 * The plain request and response every route works on. API Gateway proxy events and the local HTTP
 * server both convert to and from these, so the routes never see either.
 */
export interface HttpRequest {
  readonly method: string;
  /** Path without stage or query string, e.g. `/v1/click/com.demo.game`. */
  readonly path: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Raw body text (UTF-8), if any. */
  readonly body?: string;
  /** The caller's IP as the edge saw it. */
  readonly sourceIp?: string;
  /** A request id for logs and responses. */
  readonly requestId?: string;
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Serialised body; JSON unless a header says otherwise. */
  readonly body?: string;
}

export function lowerCaseHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>> | null | undefined,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

/** Converts an API Gateway REST (v1 payload) proxy event. */
export function fromApiGatewayEvent(event: APIGatewayProxyEvent): HttpRequest {
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) query[k] = v;
  const body =
    event.body === null || event.body === undefined
      ? undefined
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  return {
    method: event.httpMethod.toUpperCase(),
    path: event.path,
    headers: lowerCaseHeaders(event.headers),
    query,
    ...(body === undefined ? {} : { body }),
    ...(event.requestContext?.identity?.sourceIp ? { sourceIp: event.requestContext.identity.sourceIp } : {}),
    ...(event.requestContext?.requestId ? { requestId: event.requestContext.requestId } : {}),
  };
}

export function toApiGatewayResult(response: HttpResponse): APIGatewayProxyResult {
  return {
    statusCode: response.statusCode,
    headers: { ...response.headers },
    body: response.body ?? '',
  };
}

export const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;

export function json(
  statusCode: number,
  value: unknown,
  headers?: Readonly<Record<string, string>>,
): HttpResponse {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(value) };
}
