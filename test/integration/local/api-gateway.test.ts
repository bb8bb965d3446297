import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent, APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/logger.ts';
import { createApiGateway, type ProxyFunction } from '../../../local/gateway/api-gateway.ts';
import { RequestAuthorizer } from '../../../local/gateway/request-authorizer.ts';
import { listenHttp, type RunningServer } from '../../../local/http-listener.ts';

/** A fake authorizer: `Bearer good` is a tenant, `Bearer admin` the admin, `Bearer narrow` allows one ARN only. */
const authorizerCalls: APIGatewayRequestAuthorizerEvent[] = [];
async function fakeAuthorizer(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  authorizerCalls.push(event);
  const token = (event.headers?.Authorization ?? event.headers?.authorization ?? '').replace(/^Bearer /, '');
  if (token === 'boom') throw new Error('database on fire');
  if (token !== 'good' && token !== 'narrow' && token !== 'admin' && token !== 'deny') throw new Error('Unauthorized');
  const arnBase = event.methodArn.split('/').slice(0, 2).join('/');
  return {
    principalId: token,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: token === 'deny' ? 'Deny' : 'Allow', Resource: token === 'narrow' ? event.methodArn : `${arnBase}/*` }],
    },
    context: { tenantId: token === 'admin' ? '' : 'tenant-1', keyId: 'k1', role: token === 'admin' ? 'admin' : 'tenant', level: 3 },
  };
}

let lastEvent: APIGatewayProxyEvent | undefined;
let respond: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
const api: ProxyFunction = async (event) => {
  lastEvent = event;
  return respond(event);
};
const echo = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: { 'content-type': 'application/octet-stream' },
  body: event.isBase64Encoded ? (event.body ?? '') : Buffer.from(event.body ?? '').toString('base64'),
  isBase64Encoded: true,
});

describe('local API Gateway', () => {
  let server: RunningServer;
  const call = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}), ...(init.headers as Record<string, string>) },
    });

  beforeAll(async () => {
    const gateway = createApiGateway({
      api,
      authorizer: new RequestAuthorizer({ handler: fakeAuthorizer, cacheSeconds: 30 }),
      logger: createLogger('gateway-test'),
      integrationTimeoutMs: 300,
      maxBodyBytes: 1024 * 1024,
    });
    server = await listenHttp(gateway, 0);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    lastEvent = undefined;
    respond = echo;
  });

  describe('request translation', () => {
    it('round-trips a binary body byte for byte, base64 both ways', async () => {
      const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0xc3, 0x28]);
      const res = await call('/v1/upload', { method: 'POST', body: bytes, token: 'good', headers: { 'content-type': 'application/octet-stream' } });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
      expect(lastEvent).toMatchObject({ isBase64Encoded: true, body: bytes.toString('base64') });
    });

    it('passes UTF-8 JSON as text, and invalid UTF-8 as base64 even when labelled JSON', async () => {
      await call('/v1/json', { method: 'POST', body: '{"name":"çava ✓"}', token: 'good', headers: { 'content-type': 'application/json' } });
      expect(lastEvent).toMatchObject({ isBase64Encoded: false, body: '{"name":"çava ✓"}' });
      await call('/v1/json', { method: 'POST', body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), token: 'good', headers: { 'content-type': 'application/json' } });
      expect(lastEvent).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64') });
    });

    it('builds REST v1 maps: multi-value query and headers, last value wins in the single maps', async () => {
      const res = await call('/v1/sessions/abc?tag=a&tag=b&phone=%2B15551234567&plus=1+2&empty', {
        token: 'good',
        headers: { 'X-Trace': 'one' },
      });
      expect(res.status).toBe(200);
      expect(lastEvent).toMatchObject({
        httpMethod: 'GET',
        path: '/v1/sessions/abc',
        resource: '/{proxy+}',
        pathParameters: { proxy: 'v1/sessions/abc' },
        queryStringParameters: { tag: 'b', phone: '+15551234567', plus: '1+2', empty: '' },
        multiValueQueryStringParameters: { tag: ['a', 'b'], phone: ['+15551234567'], plus: ['1+2'], empty: [''] },
        body: null,
        requestContext: {
          httpMethod: 'GET',
          resourcePath: '/{proxy+}',
          identity: { sourceIp: '127.0.0.1' },
          authorizer: { tenantId: 'tenant-1', keyId: 'k1', role: 'tenant', level: '3', principalId: 'good' },
        },
      });
      expect(lastEvent?.headers['X-Trace']).toBe('one');
      expect(lastEvent?.requestContext.requestId).toBe(res.headers.get('x-amzn-requestid'));
    });

    it('keeps every value of a repeated request header', async () => {
      const { request } = await import('node:http');
      await new Promise<void>((resolve, reject) => {
        const req = request(`${server.url}/v1/multi`, { headers: { Authorization: 'Bearer good', 'X-Tag': ['a', 'b'] } }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
      expect(lastEvent?.multiValueHeaders['X-Tag']).toEqual(['a', 'b']);
      expect(lastEvent?.headers['X-Tag']).toBe('b');
    });

    it('returns multi-value response headers, multiValueHeaders winning over headers', async () => {
      respond = async () => ({
        statusCode: 201,
        headers: { 'x-single': 'one', 'x-both': 'from-headers' },
        multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'], 'x-both': ['from-multi'] },
        body: 'created',
      });
      const res = await call('/v1/things', { method: 'POST', token: 'good' });
      expect(res.status).toBe(201);
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(res.headers.get('x-single')).toBe('one');
      expect(res.headers.get('x-both')).toBe('from-multi');
      expect(await res.text()).toBe('created');
    });
  });

  describe('authorizer', () => {
    it('answers 401 without calling the authorizer when the Authorization header is missing', async () => {
      authorizerCalls.length = 0;
      const res = await call('/v1/sessions');
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: { code: 'unauthorized', message: expect.any(String), requestId: res.headers.get('x-amzn-requestid') },
      });
      expect(authorizerCalls).toHaveLength(0);
      expect(lastEvent).toBeUndefined();
    });

    it('answers 401 when the authorizer throws Unauthorized, 403 on a Deny policy, 500 when it fails', async () => {
      expect((await call('/v1/sessions', { token: 'wrong' })).status).toBe(401);
      const denied = await call('/v1/sessions', { token: 'deny' });
      expect(denied.status).toBe(403);
      expect(await denied.json()).toMatchObject({ error: { code: 'forbidden' } });
      const failed = await call('/v1/sessions', { token: 'boom' });
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({ error: { code: 'internal_error' } });
      expect(lastEvent).toBeUndefined();
    });

    it('gives the authorizer a REQUEST event with the method ARN of the request', async () => {
      authorizerCalls.length = 0;
      await call('/v1/sessions?x=1', { method: 'DELETE', token: 'admin' });
      expect(authorizerCalls[0]).toMatchObject({
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:us-east-1:000000000000:local/local/DELETE/v1/sessions',
        httpMethod: 'DELETE',
        path: '/v1/sessions',
        queryStringParameters: { x: '1' },
      });
    });

    it('re-evaluates a cached policy per request, as API Gateway does', async () => {
      authorizerCalls.length = 0;
      expect((await call('/v1/first', { token: 'narrow' })).status).toBe(200);
      expect((await call('/v1/first', { token: 'narrow' })).status).toBe(200);
      expect((await call('/v1/second', { token: 'narrow' })).status).toBe(403);
      expect(authorizerCalls).toHaveLength(1);
    });

    it('serves the public documentation resources without a key, GET only', async () => {
      expect((await call('/openapi.json')).status).toBe(200);
      expect(lastEvent).toMatchObject({ resource: '/openapi.json', pathParameters: null, requestContext: { authorizer: null } });
      expect((await call('/docs', { method: 'POST' })).status).toBe(403);
      expect((await call('/')).status).toBe(403);
    });
  });

  describe('limits and failures', () => {
    it('refuses a body over the limit with a clean 413', async () => {
      const res = await call('/v1/upload', { method: 'POST', body: Buffer.alloc(1024 * 1024 + 1, 1), token: 'good' });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: { code: 'request_rejected', message: 'Request Too Long' } });
      expect(lastEvent).toBeUndefined();
    });

    it('answers 502 when the handler throws or returns something malformed, and 504 past the timeout', async () => {
      respond = async () => {
        throw new Error('bug');
      };
      expect((await call('/v1/x', { token: 'good' })).status).toBe(502);
      respond = async () => ({ statusCode: 'two hundred' }) as unknown as APIGatewayProxyResult;
      expect((await call('/v1/x', { token: 'good' })).status).toBe(502);
      respond = () => new Promise(() => undefined);
      const slow = await call('/v1/x', { token: 'good' });
      expect(slow.status).toBe(504);
      expect(await slow.json()).toMatchObject({ error: { code: 'internal_error' } });
    });
  });
});
