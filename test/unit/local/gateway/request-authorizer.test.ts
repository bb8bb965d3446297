import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context, PolicyDocument } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { RequestAuthorizer, evaluatePolicy, globMatch } from '../../../../local/gateway/request-authorizer.ts';

const arn = 'arn:aws:execute-api:us-east-1:000000000000:local/local/GET/v1/sessions';
const policy = (...statements: { Effect: string; Resource: string | string[]; Action?: string }[]): PolicyDocument =>
  ({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({ Action: s.Action ?? 'execute-api:Invoke', ...s })),
  }) as PolicyDocument;

describe('evaluatePolicy', () => {
  it('allows on a matching Allow and lets an explicit Deny win', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:local/*' }), arn)).toBe('Allow');
    expect(
      evaluatePolicy(policy({ Effect: 'Allow', Resource: '*' }, { Effect: 'Deny', Resource: 'arn:aws:execute-api:*:*:local/local/GET/v1/*' }), arn),
    ).toBe('Deny');
  });

  it('denies when nothing matches the resource or the action', () => {
    expect(evaluatePolicy(policy({ Effect: 'Allow', Resource: 'arn:aws:execute-api:*:*:other/*' }), arn)).toBe('Deny');
    expect(evaluatePolicy(policy({ Effect: 'Allow', Resource: '*', Action: 's3:GetObject' }), arn)).toBe('Deny');
    expect(evaluatePolicy(policy(), arn)).toBe('Deny');
  });

  it('matches IAM wildcards literally otherwise', () => {
    expect(globMatch('a?c*', 'abcdef/x')).toBe(true);
    expect(globMatch('a.c', 'abc')).toBe(false);
  });
});

describe('RequestAuthorizer', () => {
  const event = (authorization?: string) =>
    ({ type: 'REQUEST', methodArn: arn, headers: authorization ? { authorization } : {} }) as unknown as APIGatewayRequestAuthorizerEvent;
  const allowAll = (context: Record<string, unknown>): APIGatewayAuthorizerResult =>
    ({ principalId: 'p', policyDocument: policy({ Effect: 'Allow', Resource: '*' }), context }) as APIGatewayAuthorizerResult;

  it('refuses a context value API Gateway cannot carry (500, not a silent drop)', async () => {
    const authorizer = new RequestAuthorizer({ handler: async () => allowAll({ nested: { a: 1 } }), cacheSeconds: 0 });
    expect(await authorizer.authorize(event('Bearer x'), {} as Context)).toMatchObject({ kind: 'failed' });
  });

  it('calls the function again once the cache entry expires', async () => {
    let now = 0;
    let calls = 0;
    const authorizer = new RequestAuthorizer({ handler: async () => (calls++, allowAll({})), cacheSeconds: 30, now: () => now });
    await authorizer.authorize(event('Bearer x'), {} as Context);
    now = 29_999;
    await authorizer.authorize(event('Bearer x'), {} as Context);
    expect(calls).toBe(1);
    now = 30_000;
    await authorizer.authorize(event('Bearer x'), {} as Context);
    expect(calls).toBe(2);
  });
});
