import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DependencyError } from '../../../core/errors.ts';
import type { SessionRepository } from '../../../core/sessions/session-repository.ts';
import type { RequestMetrics } from '../../../lambdas/api/request-metrics.ts';
import { isPublicRoute } from '../../../lambdas/api/routes.ts';
import { apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';

describe('request pipeline', () => {
  const recorded: { route: string; statusCode: number }[] = [];
  const metrics: RequestMetrics = { record: (route, statusCode) => recorded.push({ route, statusCode }) };
  let h: ApiHarness;
  let a: Tenant;

  beforeAll(async () => {
    h = await apiHarness({ metrics, env: { RATE_LIMIT_PER_SECOND: '1000' } });
    a = await h.createTenant();
  });
  afterAll(() => h.close());

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    const unknown = await h.call({ method: 'GET', path: '/v1/nothing', key: a.apiKey });
    const wrong = await h.call({ method: 'PUT', path: '/v1/sessions', key: a.apiKey, body: {} });

    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'route_not_found', requestId: expect.any(String) });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, POST');
  });

  it('answers 401 without an authorizer context, and serves the documentation without one', async () => {
    expect((await h.call({ method: 'GET', path: '/v1/sessions' })).status).toBe(401);
    const doc = await h.call({ method: 'GET', path: '/openapi.json' });
    const page = await h.call({ method: 'GET', path: '/docs' });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(isPublicRoute('GET', '/docs')).toBe(true);
    expect(isPublicRoute('GET', '/v1/sessions')).toBe(false);
  });

  it('treats a malformed path id as a missing resource', async () => {
    const reply = await h.call({ method: 'GET', path: '/v1/sessions/%E0%A4%A', key: a.apiKey });
    const odd = await h.call({ method: 'GET', path: `/v1/sessions/${encodeURIComponent('a b/../c')}`, key: a.apiKey });
    expect([reply.status, odd.status]).toEqual([404, 404]);
  });

  it('echoes a valid correlation id and falls back to the request id', async () => {
    const given = await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey, headers: { 'X-Correlation-Id': 'abc-123' } });
    const invalid = await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey, headers: { 'X-Correlation-Id': 'no spaces <allowed>' } });
    expect(given.headers['x-correlation-id']).toBe('abc-123');
    expect(invalid.headers['x-correlation-id']).toBe(invalid.headers['x-request-id']);
  });

  it('records one metric per request under the route pattern, never the concrete path', async () => {
    recorded.length = 0;
    await h.call({ method: 'GET', path: '/v1/sessions/01J00000000000000000000000', key: a.apiKey });
    expect(recorded).toEqual([{ route: 'GET /v1/sessions/{id}', statusCode: 404 }]);
  });

  it('hides internals behind a generic 500, and names a dependency outage 503', async () => {
    const broken = await apiHarness({
      override: (deps) => ({
        sessions: Object.assign(Object.create(deps.sessions) as SessionRepository, {
          list: async () => {
            throw new Error('secret table arn:aws:dynamodb:eu-west-1:1:table/x exploded');
          },
          require: async () => {
            throw new DependencyError('dynamodb', 'ThrottlingException on table x');
          },
        }),
      }),
    });
    try {
      const tenant = await broken.createTenant();
      const internal = await broken.call({ method: 'GET', path: '/v1/sessions', key: tenant.apiKey });
      const dependency = await broken.call({ method: 'GET', path: '/v1/sessions/01J00000000000000000000000', key: tenant.apiKey });

      expect(internal.status).toBe(500);
      expect(internal.body.error).toEqual({ code: 'internal_error', message: expect.any(String), requestId: internal.headers['x-request-id'] });
      expect(JSON.stringify(internal.body)).not.toMatch(/secret|arn:|exploded/);
      expect(dependency.status).toBe(503);
      expect(dependency.headers['retry-after']).toBe('1');
      expect(JSON.stringify(dependency.body)).not.toMatch(/Throttling|table/);
    } finally {
      broken.close();
    }
  });

  it('rate-limits each tenant separately per second, with 429 and Retry-After', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const limited = await apiHarness({ env: { RATE_LIMIT_PER_SECOND: '3' }, clock: { now: () => now, monotonic: () => performance.now() } });
    try {
      const [one, two] = [await limited.createTenant('one'), await limited.createTenant('two')];
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push(await limited.call({ method: 'GET', path: '/v1/sessions', key: one.apiKey }));
      const other = await limited.call({ method: 'GET', path: '/v1/sessions', key: two.apiKey });
      now += 1000;
      const nextSecond = await limited.call({ method: 'GET', path: '/v1/sessions', key: one.apiKey });

      expect(statuses.map((reply) => reply.status)).toEqual([200, 200, 200, 429, 429]);
      expect(statuses[3]!.headers['retry-after']).toBe('1');
      expect(statuses[3]!.body.error.code).toBe('rate_limited');
      expect(other.status).toBe(200);
      expect(nextSecond.status).toBe(200);
    } finally {
      limited.close();
    }
  });
});
