/**
 * The OpenAPI 3.1 document, generated from the routes themselves: the zod schemas that validate each request
 * are the ones documented, so the document cannot drift from the behaviour. Built once per container on
 * first request of /openapi.json or /docs.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import type { Route } from './router.ts';
import { errorBody } from './schemas/common.ts';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: `details` lists each offending field (`in`, `path`, `message`).',
  401: 'Missing or invalid API key.',
  403: 'The key may not do this (e.g. a tenant key on an admin route).',
  404: 'No such resource, or it belongs to another tenant.',
  405: 'Known path, wrong method (see `Allow`).',
  409: 'The resource is in the wrong state for this request (see `code`).',
  413: 'The body (or the message text) is too large.',
  415: 'The body must be `application/json`.',
  422: 'The Idempotency-Key was already used with a different body.',
  429: 'Rate limit exceeded; retry after `Retry-After` seconds.',
  500: 'Unexpected error; quote the request id.',
  503: 'A backing service is unavailable; retry shortly.',
  504: 'The session\'s runner did not answer in time.',
};

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .meta({ description: 'Makes the POST safe to retry: a replay returns the first response; another body with the same key is a 422.' }),
});

export function buildOpenApiDocument(routes: readonly Route[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A tenant API key (`waf_live_...`) or the admin key.',
  });
  for (const route of routes) registry.registerPath(toRouteConfig(route));
  const generator = new OpenApiGeneratorV31(registry.definitions);
  return generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'wa-fleet API',
      version: '1.0.0',
      description:
        'Run fleets of WhatsApp sessions: create sessions, link them by QR or pairing code, send messages and follow their ' +
        'status. Errors are JSON `{ error: { code, message, requestId, details? } }`.',
    },
    servers: [{ url: '/' }],
  });
}

function toRouteConfig(route: Route): RouteConfig {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const content: NonNullable<ResponseConfig['content']> = {};
    if (doc.schema) content['application/json'] = { schema: doc.schema };
    for (const media of doc.media ?? []) content[media] = { schema: { type: 'string', ...(media.startsWith('text/') ? {} : { contentMediaType: media }) } };
    responses[status] = { description: doc.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  for (const status of errorStatuses(route)) {
    responses[String(status)] = { description: ERROR_DESCRIPTIONS[status] ?? 'Error.', content: { 'application/json': { schema: errorBody } } };
  }
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: [...route.tags],
    security: route.access === 'public' ? [] : [{ bearerAuth: [] }],
    request: {
      params: route.params as z.ZodObject | undefined,
      query: route.query as z.ZodObject | undefined,
      headers: route.idempotent ? idempotencyHeader : undefined,
      body: route.body ? { required: true, content: { 'application/json': { schema: route.body } } } : undefined,
    },
    responses,
  };
}

function errorStatuses(route: Route): number[] {
  const statuses = new Set<number>([500]);
  if (route.access !== 'public') [401, 403, 503].forEach((status) => statuses.add(status));
  if (route.access === 'tenant') statuses.add(429);
  if (route.params) statuses.add(404);
  if (route.query || route.body) statuses.add(400);
  if (route.body) [413, 415].forEach((status) => statuses.add(status));
  if (route.idempotent) [409, 422].forEach((status) => statuses.add(status));
  for (const status of route.errors ?? []) statuses.add(status);
  return [...statuses].sort();
}
