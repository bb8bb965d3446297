import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../../core/aws/dynamo-table.ts';
import { systemClock } from '../../../core/clock.ts';
import { tables } from '../../../core/resources.ts';
import { SessionRepository } from '../../../core/sessions/session-repository.ts';
import { handler as authorizerHandler } from '../../../lambdas/api/authorizer.ts';
import { handler as apiHandler } from '../../../lambdas/api/handler.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { apiEvent } from './support/api-events.ts';

/**
 * The deployed entry points, as Lambda runs them: configuration from process.env, adapters built on the
 * first call, middy middleware. Walks the README's curl flow: admin key -> tenant -> session -> status ->
 * QR -> message -> status trail.
 */
describe('Lambda entry points', () => {
  const adminKey = 'entry-point-admin-key-0123456789';
  const saved = { ...process.env };
  let aws: AwsFixture;

  beforeAll(async () => {
    aws = await provisionedAws();
    Object.assign(process.env, aws.env, { ADMIN_API_KEY: adminKey, POWERTOOLS_METRICS_DISABLED: 'true' });
  });
  afterAll(() => {
    process.env = saved;
    aws.close();
  });

  const context = (): Context =>
    ({
      functionName: 'api',
      functionVersion: '1',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:api',
      memoryLimitInMB: '512',
      awsRequestId: crypto.randomUUID(),
      logGroupName: 'g',
      logStreamName: 's',
      getRemainingTimeInMillis: () => 29_000,
      callbackWaitsForEmptyEventLoop: false,
    }) as unknown as Context;

  /** What API Gateway does: run the authorizer on the Authorization header, then the API with its context. */
  async function request(method: string, path: string, key: string | undefined, body?: unknown, query?: Record<string, string>) {
    let authorizer: Record<string, unknown> | undefined;
    if (key) {
      const auth = await authorizerHandler(
        {
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/${method}${path}`,
          headers: { Authorization: `Bearer ${key}` },
          httpMethod: method,
          path,
        } as unknown as APIGatewayRequestAuthorizerEvent,
        context(),
      );
      expect(auth.policyDocument.Statement[0]).toMatchObject({
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*',
      });
      authorizer = auth.context ?? undefined;
    }
    const event = apiEvent({ method, path, body, query });
    const result = await apiHandler({ ...event, requestContext: { ...event.requestContext, authorizer } } as APIGatewayProxyEvent, context());
    return { status: result.statusCode, body: result.headers?.['content-type'] === 'application/json' ? JSON.parse(result.body) : result.body };
  }

  it('runs the whole tenant flow through the authorizer and the API function', async () => {
    const tenant = await request('POST', '/v1/tenants', adminKey, { name: 'Curl Co' });
    expect(tenant.status).toBe(201);
    const key = tenant.body.apiKey as string;

    const created = await request('POST', '/v1/sessions', key, { name: 'shop' });
    expect(created.body.status).toBe('created');
    const id = created.body.id as string;

    const sessions = new SessionRepository(new DynamoTable(aws.clients.doc, aws.env.SESSIONS_TABLE!, tables.sessions), systemClock);
    await sessions.updateFromOwner(tenant.body.tenantId, id, 1, {
      status: 'qr',
      slot: 0,
      ownerRunnerId: 'r1',
      qr: '2@qr',
      qrExpiresAt: new Date(Date.now() + 30_000).toISOString(),
    });
    expect((await request('GET', `/v1/sessions/${id}`, key)).body.status).toBe('qr');
    expect((await request('GET', `/v1/sessions/${id}/qr`, key)).body.qr).toBe('2@qr');

    const sent = await request('POST', `/v1/sessions/${id}/messages`, key, { to: '+4915112345678', type: 'text', text: 'Hello' });
    expect(sent.status).toBe(202);
    const trail = await request('GET', `/v1/sessions/${id}/messages/${sent.body.messageId}`, key);
    expect(trail.body.trail).toEqual([{ status: 'queued', at: expect.any(String) }]);
  });

  it('refuses a bad key the way API Gateway expects (Unauthorized)', async () => {
    await expect(request('GET', '/v1/sessions', 'not-a-key')).rejects.toThrow('Unauthorized');
  });

  it('serves the documentation without a key', async () => {
    expect((await request('GET', '/docs', undefined)).status).toBe(200);
  });
});
