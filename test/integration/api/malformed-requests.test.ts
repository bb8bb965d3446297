import fc from 'fast-check';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizerContext } from '../../../lambdas/api/principal.ts';
import { routes } from '../../../lambdas/api/routes.ts';
import { apiEvent, lambdaContext } from './support/api-events.ts';
import { ADMIN_KEY, apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';

/**
 * Property: whatever arrives — any route, wrong methods, garbage paths, bodies, headers, queries and
 * authorizer contexts — the API answers with a client error or success, never a 5xx, and always with the
 * documented error shape.
 */
describe('malformed requests', () => {
  let h: ApiHarness;
  let a: Tenant;
  let session: string;

  beforeAll(async () => {
    h = await apiHarness({ env: { RUNNER_REPLY_TIMEOUT_MS: '200' } });
    a = await h.createTenant();
    session = (await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey })).body.id;
  });
  afterAll(() => h.close());

  const weirdText = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', ' ', '%', '%ZZ', '..', '../..', '\u0000', '🙂', 'a'.repeat(300), '{id}', '__proto__', 'constructor'),
  );
  const pathParam = fc.oneof(
    { arbitrary: fc.constant('SESSION'), weight: 6 },
    { arbitrary: fc.constant('01J00000000000000000000000'), weight: 1 },
    { arbitrary: weirdText.map(encodeURIComponent), weight: 1 },
    { arbitrary: weirdText, weight: 1 },
  );
  /** Mostly a real route with its own method (so validation and handlers run), sometimes anything at all. */
  const target = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.constantFrom(...routes), pathParam, pathParam)
        .map(([route, p1, p2]) => ({ method: route.method, path: route.path.replace('{id}', p1).replace('{messageId}', p2) })),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.oneof(fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'), weirdText),
        path: fc.oneof(fc.array(weirdText, { maxLength: 5 }).map((segments) => `/v1/${segments.join('/')}`), weirdText),
      }),
    },
  );
  const jsonish = fc.oneof(
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    { weight: 6, arbitrary: fc.record(
      {
        to: fc.oneof({ weight: 3, arbitrary: fc.constant('+4915112345678') }, { weight: 1, arbitrary: weirdText }),
        type: fc.oneof(fc.constantFrom('text', 'image', 'video', 'audio', 'document', 'location', 'contact', 'reaction'), weirdText),
        text: fc.oneof(fc.constant('hello'), weirdText),
        url: weirdText,
        latitude: fc.oneof(fc.double(), fc.string()),
        phoneNumber: weirdText,
        phoneNumbers: fc.array(weirdText, { maxLength: 60 }),
        name: weirdText,
        pacing: fc.dictionary(weirdText, fc.jsonValue({ maxDepth: 1 })),
        tenantId: weirdText,
        expiresInSeconds: fc.oneof(fc.integer(), fc.double()),
        contact: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    ).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: weirdText },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const headers = fc.record(
    {
      'Content-Type': fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/merge-patch+json') },
        { weight: 1, arbitrary: fc.constantFrom('text/plain', 'multipart/form-data') },
        { weight: 1, arbitrary: weirdText },
      ),
      'Idempotency-Key': weirdText,
      'X-Correlation-Id': weirdText,
      Authorization: weirdText,
    },
    { requiredKeys: [] },
  );
  const context = fc.oneof(
    { weight: 6, arbitrary: fc.constant(authorizerContext({ role: 'tenant', tenantId: 'TENANT', keyId: 'k' })) },
    { weight: 2, arbitrary: fc.constant(authorizerContext({ role: 'admin', keyId: 'admin' })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('role', 'tenantId', 'keyId'), fc.oneof(weirdText, fc.constantFrom('tenant', 'admin'))) },
  );

  it('never answers 5xx, and errors always carry code, message and request id', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          target,
          body: jsonish,
          base64: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
          headers,
          query: fc.dictionary(fc.constantFrom('limit', 'cursor', 'format', 'tenantId', 'x'), weirdText),
          context,
        }),
        async (input) => {
          const event = apiEvent({
            method: input.target.method,
            path: input.target.path.replace('SESSION', session),
            body: input.body === undefined ? undefined : input.base64 ? Buffer.from(input.body).toString('base64') : input.body,
            isBase64Encoded: input.base64,
            headers: input.headers,
            query: input.query,
          });
          const authorizer = input.context && { ...input.context, tenantId: input.context.tenantId === 'TENANT' ? a.tenantId : input.context.tenantId };
          const result = await h.api({ ...event, requestContext: { ...event.requestContext, authorizer } } as APIGatewayProxyEvent, lambdaContext());

          expect(result.statusCode).toBeLessThan(500);
          if (result.statusCode >= 400) {
            expect(JSON.parse(result.body).error).toMatchObject({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('survives events with missing or mistyped fields', async () => {
    const broken = [
      {},
      { httpMethod: 'GET' },
      { httpMethod: 'GET', path: '/v1/sessions', headers: null, requestContext: null },
      { httpMethod: 42, path: ['x'], headers: { a: 1 }, body: { not: 'a string' }, queryStringParameters: 'x' },
      { httpMethod: 'POST', path: '/v1/sessions', body: 7, requestContext: { authorizer: 'admin' } },
    ];
    for (const event of broken) {
      const result = await h.api(event as unknown as APIGatewayProxyEvent, {});
      expect(result.statusCode).toBeGreaterThanOrEqual(400);
      expect(result.statusCode).toBeLessThan(500);
    }
  });

  it('never lets the authorizer fail other than by refusing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(weirdText, weirdText.map((text) => `Bearer ${text}`), weirdText.map((text) => `Bearer waf_live_${text}`)), async (key) => {
        const reply = await h.call({ method: 'GET', path: '/v1/sessions', headers: {}, key: key.replace(/^Bearer /, '') });
        expect([200, 401, 403]).toContain(reply.status);
        if (key === ADMIN_KEY) expect(reply.status).toBe(403);
      }),
      { numRuns: 150 },
    );
  });
});
