/**
 * The API function on emulator-backed adapters, called the way API Gateway calls it: the authorizer runs
 * first on the presented key (401 like API Gateway when it refuses), then the API handler gets the event
 * with the authorizer's context. Each harness has its own freshly provisioned tables and queues.
 */
import type { APIGatewayProxyResult } from 'aws-lambda';
import { systemClock } from '../../../../core/clock.ts';
import { createLogger } from '../../../../core/logger.ts';
import { hashApiKey } from '../../../../core/tenants/api-key.ts';
import { createApi, type ApiHandler } from '../../../../lambdas/api/app.ts';
import { bareHandler as authorizer } from '../../../../lambdas/api/authorizer.ts';
import { buildApiDependencies, type ApiDependencies, type CompositionOptions } from '../../../../lambdas/api/composition.ts';
import { loadApiConfig } from '../../../../lambdas/api/config.ts';
import { principalFromContext, type Principal } from '../../../../lambdas/api/principal.ts';
import { routes } from '../../../../lambdas/api/routes.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { apiEvent, lambdaContext, type EventInput } from './api-events.ts';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface ApiReply {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are asserted field by field
  readonly body: any;
  readonly headers: Record<string, string>;
  readonly raw: APIGatewayProxyResult;
}

export interface CallInput extends Omit<EventInput, 'principal'> {
  /** The bearer key to present (runs the authorizer), or a principal to inject directly. */
  readonly key?: string;
  readonly principal?: Principal;
}

export interface Tenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly principal: Principal;
}

export interface ApiHarness {
  readonly aws: AwsFixture;
  readonly deps: ApiDependencies;
  readonly api: ApiHandler;
  call(input: CallInput): Promise<ApiReply>;
  createTenant(name?: string): Promise<Tenant>;
  close(): void;
}

export interface HarnessOptions extends Partial<Omit<CompositionOptions, 'clients' | 'logger'>> {
  readonly env?: Record<string, string>;
  /** Replace individual dependencies after composition (fakes for faults). */
  readonly override?: (deps: ApiDependencies) => Partial<ApiDependencies>;
}

export async function apiHarness(options: HarnessOptions = {}): Promise<ApiHarness> {
  const aws = await provisionedAws();
  const config = loadApiConfig({ RATE_LIMIT_PER_SECOND: '0', ...aws.env, ...options.env });
  const built = buildApiDependencies(config, {
    clients: aws.clients,
    logger: createLogger('api-test'),
    clock: options.clock ?? systemClock,
    sleep: options.sleep,
    metrics: options.metrics,
  });
  const deps = { ...built, ...options.override?.(built) };
  const api = createApi(deps, routes);
  const authDeps = { tenants: deps.tenants, adminKeyHash: hashApiKey(ADMIN_KEY) };

  async function call(input: CallInput): Promise<ApiReply> {
    let principal = input.principal;
    if (input.key !== undefined) {
      try {
        const result = await authorizer(
          { type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/x', headers: { Authorization: `Bearer ${input.key}` } } as never,
          authDeps,
        );
        principal = principalFromContext(result.context);
      } catch (error) {
        if ((error as Error).message !== 'Unauthorized') throw error;
        return { status: 401, body: { message: 'Unauthorized' }, headers: {}, raw: { statusCode: 401, body: '' } };
      }
    }
    const raw = await api(apiEvent({ ...input, principal }), lambdaContext());
    const headers = Object.fromEntries(Object.entries(raw.headers ?? {}).map(([name, value]) => [name, String(value)]));
    const isJson = headers['content-type']?.startsWith('application/json');
    return { status: raw.statusCode, body: isJson ? JSON.parse(raw.body) : raw.body, headers, raw };
  }

  async function createTenant(name = 'Acme'): Promise<Tenant> {
    const reply = await call({ method: 'POST', path: '/v1/tenants', key: ADMIN_KEY, body: { name } });
    if (reply.status !== 201) throw new Error(`tenant creation failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    return {
      tenantId: reply.body.tenantId,
      apiKey: reply.body.apiKey,
      principal: { role: 'tenant', tenantId: reply.body.tenantId, keyId: reply.body.keyId },
    };
  }

  return { aws, deps, api, call, createTenant, close: () => aws.close() };
}
