/**
 * HTTP request <-> API Gateway REST (v1) Lambda proxy shapes, as the deployed API sees them (infra/stacks/
 * api-stack.ts: one `/{proxy+}` resource behind a REQUEST authorizer, plus public `/openapi.json` and
 * `/docs`). Pure functions: the server (api-gateway.ts) reads the socket, these build the events and turn a
 * proxy result back into status, headers and bytes.
 *
 * Fidelity notes: header names keep the client's case (API Gateway does; handlers must not assume lower
 * case); `headers`/`queryStringParameters` hold the last value of a repeated name, the `multiValue*` maps
 * hold all; query values are percent-decoded ('+' stays '+'); a body is text when it is valid UTF-8 of a
 * textual media type, otherwise base64 with `isBase64Encoded`.
 */
import type {
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';

export interface RawRequest {
  readonly method: string;
  /** Path and query as received (`/v1/sessions?limit=5`). */
  readonly url: string;
  /** Alternating names and values, as node's `IncomingMessage.rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly receivedAt: number;
  /** Port the client connected to (X-Forwarded-Port). */
  readonly port: number;
}

/** Where a request landed, as API Gateway names it. */
export interface ResourceMatch {
  /** `/{proxy+}`, `/openapi.json` or `/docs`. */
  readonly resource: string;
  readonly pathParameters: Record<string, string> | null;
}

export const LOCAL_API = { accountId: '000000000000', apiId: 'local', stage: 'local', region: 'us-east-1' } as const;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|problem\+json)|application\/[\w.+-]+\+(json|xml))/i;

export function splitUrl(url: string): { path: string; query: string } {
  const at = url.indexOf('?');
  return at === -1 ? { path: url, query: '' } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

/** `/{proxy+}` unless the path is one of the explicitly declared resources. */
export function matchResource(path: string, explicit: readonly string[]): ResourceMatch {
  if (explicit.includes(path)) return { resource: path, pathParameters: null };
  return { resource: '/{proxy+}', pathParameters: { proxy: safeDecode(path.replace(/^\//, '')) } };
}

export function methodArn(method: string, path: string): string {
  const { region, accountId, apiId, stage } = LOCAL_API;
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}/${path.replace(/^\//, '')}`;
}

/** The REQUEST authorizer's input for a request. */
export function authorizerEvent(request: RawRequest, match: ResourceMatch): APIGatewayRequestAuthorizerEvent {
  const { path, query } = splitUrl(request.url);
  const { headers, multiValueHeaders } = headerMaps(request);
  const { authorizer: _none, ...context } = requestContext(request, match, path, null);
  return {
    type: 'REQUEST',
    methodArn: methodArn(request.method, path),
    resource: match.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    ...queryMaps(query),
    pathParameters: match.pathParameters,
    stageVariables: null,
    requestContext: context as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

/** The API function's input; `authorizer` is the authorizer context (null on public resources). */
export function proxyEvent(request: RawRequest, match: ResourceMatch, authorizer: Record<string, unknown> | null): APIGatewayProxyEvent {
  const { path, query } = splitUrl(request.url);
  const { headers, multiValueHeaders } = headerMaps(request);
  const body = encodeBody(request.body, findHeader(headers, 'content-type'));
  return {
    resource: match.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    ...queryMaps(query),
    pathParameters: match.pathParameters,
    stageVariables: null,
    requestContext: requestContext(request, match, path, authorizer),
    body: body.body,
    isBase64Encoded: body.isBase64Encoded,
  };
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

/**
 * A proxy result as the client receives it. `headers` and `multiValueHeaders` merge; where both name a
 * header, `multiValueHeaders` wins (API Gateway's rule). Undefined when the result is malformed (API Gateway
 * answers 502 then).
 */
export function toHttpResponse(result: APIGatewayProxyResult | undefined): HttpResponse | undefined {
  if (!result || typeof result !== 'object' || !Number.isInteger(result.statusCode)) return undefined;
  if (result.statusCode < 100 || result.statusCode > 599) return undefined;
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') return undefined;
  const headers: Record<string, string[]> = {};
  const multi = result.multiValueHeaders ?? {};
  const multiNames = new Set(Object.keys(multi).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (!multiNames.has(name.toLowerCase())) headers[name] = [String(value)];
  }
  for (const [name, values] of Object.entries(multi)) headers[name] = (values ?? []).map(String);
  const text = result.body ?? '';
  const body = result.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { statusCode: result.statusCode, headers, body };
}

function requestContext(
  request: RawRequest,
  match: ResourceMatch,
  path: string,
  authorizer: Record<string, unknown> | null,
): APIGatewayEventRequestContextWithAuthorizer<Record<string, unknown> | null> {
  const { accountId, apiId, stage } = LOCAL_API;
  const { headers } = headerMaps(request);
  return {
    accountId,
    apiId,
    authorizer,
    domainName: findHeader(headers, 'host') ?? 'localhost',
    domainPrefix: (findHeader(headers, 'host') ?? 'localhost').split('.')[0] ?? 'localhost',
    extendedRequestId: request.requestId,
    httpMethod: request.method,
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: request.sourceIp,
      user: null,
      userAgent: findHeader(headers, 'user-agent') ?? null,
      userArn: null,
    },
    path: `/${stage}${path}`,
    protocol: 'HTTP/1.1',
    requestId: request.requestId,
    requestTime: clfTime(request.receivedAt),
    requestTimeEpoch: request.receivedAt,
    resourceId: match.resource === '/{proxy+}' ? 'proxy' : match.resource.slice(1),
    resourcePath: match.resource,
    stage,
  };
}

function headerMaps(request: RawRequest): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    (multiValueHeaders[name] ??= []).push(request.rawHeaders[i + 1]!);
  }
  const has = (name: string) => Object.keys(multiValueHeaders).some((key) => key.toLowerCase() === name);
  if (!has('x-forwarded-for')) multiValueHeaders['X-Forwarded-For'] = [request.sourceIp];
  if (!has('x-forwarded-port')) multiValueHeaders['X-Forwarded-Port'] = [String(request.port)];
  if (!has('x-forwarded-proto')) multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([name, values]) => [name, values[values.length - 1]!]));
  return { headers, multiValueHeaders };
}

function queryMaps(query: string): Pick<APIGatewayProxyEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  const multi: Record<string, string[]> = {};
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : safeDecode(part.slice(eq + 1));
    (multi[name] ??= []).push(value);
  }
  if (Object.keys(multi).length === 0) return { queryStringParameters: null, multiValueQueryStringParameters: null };
  const single = Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values[values.length - 1]!]));
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

function encodeBody(bytes: Buffer, contentType: string | undefined): { body: string | null; isBase64Encoded: boolean } {
  if (bytes.length === 0) return { body: null, isBase64Encoded: false };
  const textual = contentType === undefined || TEXT_TYPES.test(contentType.trim());
  if (textual) {
    try {
      return { body: new TextDecoder('utf-8', { fatal: true }).decode(bytes), isBase64Encoded: false };
    } catch {
      // not UTF-8: deliver the bytes intact
    }
  }
  return { body: bytes.toString('base64'), isBase64Encoded: true };
}

export function findHeader(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `21/Nov/2026:23:45:12 +0000`, API Gateway's requestTime format. */
function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
