/**
 * The local stand-in for API Gateway in front of the API function: an HTTP request listener that limits the
 * body (10 MB, 413), runs the REQUEST authorizer on every resource but the public ones, invokes the API
 * handler with a REST proxy event and a Lambda context, and maps its result back to HTTP, with API Gateway's
 * own limits: a 29 s integration timeout (504), a malformed or over-6-MB result (502), a throwing handler
 * (502). Handlers are injected, so tests drive it with fakes and the stack wires the real modules.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Logger } from '../../core/logger.ts';
import { lambdaContext } from '../lambda-context.ts';
import { gatewayResponse, type GatewayFailure } from './gateway-responses.ts';
import { authorizerEvent, matchResource, proxyEvent, splitUrl, toHttpResponse, type HttpResponse, type RawRequest } from './proxy-event.ts';
import type { RequestAuthorizer } from './request-authorizer.ts';

export type ProxyFunction = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface ApiGatewayOptions {
  readonly api: ProxyFunction;
  readonly authorizer: RequestAuthorizer;
  readonly logger: Logger;
  /** Resources without the authorizer, GET only (the deployed API: `/openapi.json`, `/docs`). */
  readonly publicPaths?: readonly string[];
  readonly maxBodyBytes?: number;
  readonly integrationTimeoutMs?: number;
  readonly maxResultBytes?: number;
}

export const API_GATEWAY_LIMITS = {
  maxBodyBytes: 10 * 1024 * 1024,
  integrationTimeoutMs: 29_000,
  /** Lambda's synchronous response payload limit. */
  maxResultBytes: 6 * 1024 * 1024,
} as const;

export function createApiGateway(options: ApiGatewayOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const publicPaths = options.publicPaths ?? ['/openapi.json', '/docs'];
  const maxBodyBytes = options.maxBodyBytes ?? API_GATEWAY_LIMITS.maxBodyBytes;

  return async (req, res) => {
    const requestId = randomUUID();
    const receivedAt = Date.now();
    const body = await readBody(req, maxBodyBytes).catch(() => undefined);
    if (body === undefined) return; // the client went away mid-request
    if (body === 'too-large') return send(res, gatewayResponse('request_too_large', requestId), requestId, true);
    const request: RawRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      requestId,
      receivedAt,
      port: req.socket.localPort ?? 0,
    };
    const response = await handle(options, publicPaths, request).catch((error: unknown) => {
      options.logger.error('gateway.failed', { requestId, error: error as Error });
      return gatewayResponse('integration_failure', requestId);
    });
    send(res, response, requestId, false);
  };
}

async function handle(options: ApiGatewayOptions, publicPaths: readonly string[], request: RawRequest): Promise<HttpResponse> {
  const { path } = splitUrl(request.url);
  const match = matchResource(path, publicPaths);
  const isPublic = match.resource !== '/{proxy+}';
  // The deployed API has no method on `/` and only GET on its public resources.
  if (path === '/' || (isPublic && request.method !== 'GET')) return gatewayResponse('missing_authentication_token', request.requestId);

  let authorizerContext: Record<string, unknown> | null = null;
  if (!isPublic) {
    const context = lambdaContext({ functionName: 'authorizer', timeoutMs: 10_000 });
    const decision = await options.authorizer.authorize(authorizerEvent(request, match), context);
    if (decision.kind !== 'allow') {
      if (decision.kind === 'failed') options.logger.error('gateway.authorizer_failed', { requestId: request.requestId, reason: decision.reason });
      return gatewayResponse(DENIALS[decision.kind], request.requestId);
    }
    authorizerContext = decision.context;
  }

  const timeoutMs = options.integrationTimeoutMs ?? API_GATEWAY_LIMITS.integrationTimeoutMs;
  const outcome = await invokeWithTimeout(options.api, proxyEvent(request, match, authorizerContext), timeoutMs);
  if (outcome === 'timeout') {
    options.logger.error('gateway.integration_timeout', { requestId: request.requestId, timeoutMs });
    return gatewayResponse('integration_timeout', request.requestId);
  }
  if (outcome.error !== undefined) {
    options.logger.error('gateway.handler_threw', { requestId: request.requestId, error: outcome.error as Error });
    return gatewayResponse('integration_failure', request.requestId);
  }
  const size = Buffer.byteLength(JSON.stringify(outcome.result ?? null));
  const response = toHttpResponse(outcome.result);
  if (!response || size > (options.maxResultBytes ?? API_GATEWAY_LIMITS.maxResultBytes)) {
    options.logger.error('gateway.malformed_result', { requestId: request.requestId, bytes: size });
    return gatewayResponse('integration_failure', request.requestId);
  }
  return response;
}

const DENIALS: Record<'unauthorized' | 'denied' | 'failed', GatewayFailure> = {
  unauthorized: 'unauthorized',
  denied: 'access_denied',
  failed: 'authorizer_failure',
};

async function invokeWithTimeout(
  api: ProxyFunction,
  event: APIGatewayProxyEvent,
  timeoutMs: number,
): Promise<{ result?: APIGatewayProxyResult; error?: unknown } | 'timeout'> {
  const context = lambdaContext({ functionName: 'api', timeoutMs, requestId: event.requestContext.requestId });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([
      api(event, context).then(
        (result) => ({ result }),
        (error: unknown) => ({ error: error ?? new Error('handler rejected without a reason') }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The body, or 'too-large' past the limit. An oversized upload is drained and discarded (never buffered) so
 * the client can read the 413 instead of seeing its connection reset mid-send.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      resolve('too-large');
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection']);

function send(res: ServerResponse, response: HttpResponse, requestId: string, closeConnection: boolean): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(response.headers)) if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name] = values;
  headers['x-amzn-RequestId'] = [requestId];
  headers['content-length'] = [String(response.body.length)];
  if (closeConnection) headers.connection = ['close'];
  res.writeHead(response.statusCode, headers);
  res.end(response.body);
}
