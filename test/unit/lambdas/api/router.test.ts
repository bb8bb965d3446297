import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../../../core/errors.ts';
import { json } from '../../../../lambdas/api/http.ts';
import { MethodNotAllowedError } from '../../../../lambdas/api/http-errors.ts';
import { defineRoute, Router, type HttpMethod } from '../../../../lambdas/api/router.ts';

const route = (method: HttpMethod, path: string) =>
  defineRoute({ method, path, operationId: `${method}${path}`, summary: '', tags: [], access: 'public', responses: {}, handle: async () => json(200, {}) });

describe('Router', () => {
  const router = new Router([
    route('GET', '/v1/sessions/{id}'),
    route('DELETE', '/v1/sessions/{id}'),
    route('GET', '/v1/sessions/{id}/messages/{messageId}'),
    route('GET', '/v1/sessions/latest'),
  ]);

  it('binds path parameters, decoded', () => {
    const match = router.match('GET', '/v1/sessions/a%20b/messages/m1');
    expect(match.route.path).toBe('/v1/sessions/{id}/messages/{messageId}');
    expect(match.params).toEqual({ id: 'a b', messageId: 'm1' });
  });

  it('prefers literal segments over parameters', () => {
    expect(router.match('GET', '/v1/sessions/latest').route.path).toBe('/v1/sessions/latest');
  });

  it('ignores a trailing slash', () => {
    expect(router.match('GET', '/v1/sessions/s1/').params).toEqual({ id: 's1' });
  });

  it('answers 405 with the allowed methods for a known path', () => {
    expect(() => router.match('POST', '/v1/sessions/s1')).toThrow(MethodNotAllowedError);
    try {
      router.match('PUT', '/v1/sessions/s1');
    } catch (error) {
      expect((error as MethodNotAllowedError).allow).toEqual(['DELETE', 'GET']);
    }
  });

  it('answers 404 for unknown paths, bad escapes and absurd lengths', () => {
    for (const path of ['/v1/other', '/v1/sessions/%E0%A4%A', '', `/v1/sessions/${'x'.repeat(3000)}`]) {
      expect(() => router.match('GET', path)).toThrow(NotFoundError);
    }
  });

  it('refuses a route declared twice', () => {
    expect(() => new Router([route('GET', '/a'), route('GET', '/a')])).toThrow(/declared twice/);
  });
});
