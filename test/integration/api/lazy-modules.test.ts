import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as authorizerHandler } from '../../../lambdas/api/authorizer.ts';
import { handler as apiHandler } from '../../../lambdas/api/handler.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { apiEvent } from './support/api-events.ts';

/**
 * The deployed entry point imports some modules only on the first request that needs them (cold start, issue
 * 9 target 7): the S3 client and presigner, the Powertools idempotency engine, the OpenAPI generator and the
 * phone-number metadata. Through `handler`, composed from process.env as Lambda runs it, each of those routes
 * still does its job.
 */
describe('API entry point: modules loaded on first use', () => {
  const adminKey = 'lazy-modules-admin-key-0123456789';
  const saved = { ...process.env };
  let aws: AwsFixture;
  let tenantKey: string;

  const context = (): Context =>
    ({ functionName: 'api', awsRequestId: crypto.randomUUID(), getRemainingTimeInMillis: () => 29_000 }) as unknown as Context;

  async function call(method: string, path: string, key: string | undefined, body?: unknown, headers?: Record<string, string>) {
    let authorizer: Record<string, unknown> | undefined;
    if (key) {
      const auth = await authorizerHandler(
        { type: 'REQUEST', methodArn: `arn:aws:execute-api:eu-west-1:123456789012:abc/prod/${method}${path}`, headers: { Authorization: `Bearer ${key}` } } as unknown as APIGatewayRequestAuthorizerEvent,
        context(),
      );
      authorizer = auth.context ?? undefined;
    }
    const event = apiEvent({ method, path, body, headers });
    const result = await apiHandler({ ...event, requestContext: { ...event.requestContext, authorizer } } as APIGatewayProxyEvent, context());
    const json = result.headers?.['content-type'] === 'application/json' && result.body ? JSON.parse(result.body) : undefined;
    return { status: result.statusCode, body: json, headers: result.headers ?? {} };
  }

  beforeAll(async () => {
    aws = await provisionedAws();
    Object.assign(process.env, aws.env, { ADMIN_API_KEY: adminKey, POWERTOOLS_METRICS_DISABLED: 'true' });
    const tenant = await call('POST', '/v1/tenants', adminKey, { name: 'Lazy Co' });
    tenantKey = tenant.body.apiKey;
  });
  afterAll(() => {
    process.env = saved;
    aws.close();
  });

  it('hands out a presigned upload URL for a CSV import with the S3 client it makes on first use', async () => {
    const upload = await call('POST', '/v1/campaigns/imports', tenantKey);

    expect(upload.status).toBe(201);
    expect(upload.body.uploadUrl).toContain(aws.env.IMPORTS_BUCKET!);
    expect(upload.body.uploadUrl).toContain(upload.body.importId);
    expect(upload.body.uploadUrl).toMatch(/X-Amz-Signature=/);
  });

  it('replays a POST sent again with the same Idempotency-Key', async () => {
    const headers = { 'Idempotency-Key': `lazy-${crypto.randomUUID()}` };

    const first = await call('POST', '/v1/sessions', tenantKey, { name: 'once' }, headers);
    const again = await call('POST', '/v1/sessions', tenantKey, { name: 'once' }, headers);
    const otherBody = await call('POST', '/v1/sessions', tenantKey, { name: 'twice' }, headers);

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(otherBody.status).toBe(422);
  });

  it('normalizes phone numbers on the suppression routes', async () => {
    const added = await call('POST', '/v1/suppressions', tenantKey, { phoneNumbers: ['+49 151 12345678'] });
    const invalid = await call('POST', '/v1/suppressions', tenantKey, { phoneNumbers: ['12'] });

    expect(added.status).toBe(201);
    expect(added.body.items.map((item: { phoneNumber: string }) => item.phoneNumber)).toEqual(['+4915112345678']);
    expect(invalid.status).toBe(400);
    expect((await call('DELETE', '/v1/suppressions/%2B4915112345678', tenantKey)).status).toBe(204);
  });

  it('generates the OpenAPI document', async () => {
    const document = await call('GET', '/openapi.json', undefined);

    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\.1/);
    expect(Object.keys(document.body.paths)).toContain('/v1/campaigns/imports');
  });
});
