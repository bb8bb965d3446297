/**
 * The request pipeline of the API function, from an API Gateway REST proxy event to its result:
 * route match (404/405) -> access check against the authorizer's principal (401/403) -> per-tenant rate
 * limit (429) -> path, query and body validation (404/400/413/415) -> the route, through the idempotency
 * layer when the client sent an `Idempotency-Key` -> JSON response. Every error is mapped in one place
 * (http-errors.ts); every request is logged once and counted per route.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { DependencyError, ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError, ValidationError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { ApiDependencies } from './composition.ts';
import { errorResponse, validationError } from './http-errors.ts';
import { normalizeHeaders, normalizeQuery, readJsonBody } from './http.ts';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.ts';
import { principalFromContext, type Principal } from './principal.ts';
import { Router, type Route } from './router.ts';

export type ApiHandler = (event: APIGatewayProxyEvent, context?: Partial<Context>) => Promise<APIGatewayProxyResult>;

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApi(deps: ApiDependencies, routes: readonly Route[]): ApiHandler {
  const router = new Router(routes);

  return async (event, context) => {
    const started = deps.clock.monotonic();
    const headers = normalizeHeaders(event?.headers);
    const requestId = requestIdOf(event, context);
    const correlationId = CORRELATION_ID.test(headers['x-correlation-id'] ?? '') ? headers['x-correlation-id']! : requestId;
    const method = typeof event?.httpMethod === 'string' ? event.httpMethod.toUpperCase() : '';
    const path = typeof event?.path === 'string' ? event.path : '';
    let logger = deps.logger.createChild({ persistentKeys: { requestId, correlationId } });
    let routeName = 'unmatched';
    let result: APIGatewayProxyResult;
    try {
      const { route, params } = router.match(method, path);
      routeName = `${route.method} ${route.path}`;
      const principal = authorize(route, principalFromContext(event?.requestContext?.authorizer));
      if (principal?.role === 'tenant') {
        logger = logger.createChild({ persistentKeys: { tenantId: principal.tenantId } });
        await enforceRateLimit(deps, principal.tenantId, logger);
      }
      const rawBody = route.body ? readJsonBody(event, headers, route.maxBodyBytes ?? deps.config.maxBodyBytes) : undefined;
      const request = {
        params: parseParams(route, params),
        query: parseInput(route.query, normalizeQuery(event?.queryStringParameters), 'query'),
        body: route.body ? parseBody(route, rawBody) : undefined,
        principal,
        headers,
        requestId,
        correlationId,
        logger,
        deps,
      };
      const execute = () => route.handle(request);
      const idempotencyKey = headers['idempotency-key'];
      if (route.idempotent && idempotencyKey !== undefined && principal?.role === 'tenant') {
        if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
          throw new ValidationError('The Idempotency-Key header is not valid', [
            { in: 'header', path: 'idempotency-key', message: 'Expected 1-255 visible ASCII characters' },
          ]);
        }
        const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis : undefined;
        result = await deps.idempotency.run(
          { tenantId: principal.tenantId, method, path, key: idempotencyKey, body: rawBody },
          execute,
          remaining,
        );
      } else {
        result = await execute();
      }
    } catch (error) {
      result = errorResponse(error, { requestId, headers: {} }, logger);
    }
    result = { ...result, headers: { ...result.headers, 'x-request-id': requestId, 'x-correlation-id': correlationId } };
    const latencyMs = Math.round(deps.clock.monotonic() - started);
    deps.metrics.record(routeName, result.statusCode, latencyMs);
    logger.info('api.request', { method, route: routeName, statusCode: result.statusCode, latencyMs });
    return result;
  };
}

function requestIdOf(event: APIGatewayProxyEvent | undefined, context: Partial<Context> | undefined): string {
  const candidate = event?.requestContext?.requestId ?? context?.awsRequestId;
  return typeof candidate === 'string' && CORRELATION_ID.test(candidate) ? candidate : newId();
}

function authorize(route: Route, principal: Principal | undefined): Principal | undefined {
  if (route.access === 'public') return undefined;
  if (!principal) throw new UnauthorizedError();
  if (route.access === 'tenant' && principal.role !== 'tenant') {
    throw new ForbiddenError('This route needs a tenant API key', 'tenant_key_required');
  }
  if (route.access === 'admin' && principal.role !== 'admin') {
    throw new ForbiddenError('This route needs the admin API key', 'admin_key_required');
  }
  return principal;
}

async function enforceRateLimit(deps: ApiDependencies, tenantId: string, logger: Logger): Promise<void> {
  let decision;
  try {
    decision = await deps.rateLimiter.consume(tenantId);
  } catch (error) {
    // The limiter protects the service; it must not become the outage. Let the request through.
    if (!(error instanceof DependencyError)) throw error;
    logger.warn('rate_limit.unavailable', { error });
    return;
  }
  if (!decision.allowed) throw new RateLimitedError(decision.retryAfterSeconds, 'Too many requests for this tenant; slow down');
}

/** Path parameters that cannot be an id name nothing: 404, not 400. */
function parseParams(route: Route, params: Record<string, string>): unknown {
  if (!route.params) return undefined;
  const parsed = route.params.safeParse(params);
  if (!parsed.success) throw new NotFoundError('Resource');
  return parsed.data;
}

function parseBody(route: Route, raw: unknown): unknown {
  const parsed = route.body!.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw route.bodyError?.(parsed.error) ?? validationError('body', parsed.error);
}

function parseInput(schema: z.ZodType | undefined, input: unknown, location: 'query'): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(location, parsed.error);
  return parsed.data;
}
