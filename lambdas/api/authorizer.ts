/**
 * The Lambda REQUEST authorizer of the API: verifies `Authorization: Bearer <key>` (use-cases/authenticate.ts)
 * and returns an IAM policy plus `context: { tenantId, keyId, role }`, which API Gateway hands to the API
 * function in `event.requestContext.authorizer`. Locally the HTTP layer runs this same handler.
 *
 * Refusal is `throw new Error('Unauthorized')`, API Gateway's contract for a 401. The policy allows the whole
 * stage, so API Gateway may cache it per Authorization header; a revoked key is refused by this function at
 * once, but a cached allow outlives revocation by up to the cache TTL (infra `authorizerCacheSeconds`). Each
 * uncached call costs one consistent GetItem (single-digit ms), so a TTL of 0 is affordable where revocation
 * must bite on the very next request.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createDynamoClients } from '../../core/aws/dynamo-clients.ts';
import { DynamoTable } from '../../core/aws/dynamo-table.ts';
import { systemClock } from '../../core/clock.ts';
import { UnauthorizedError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { tables } from '../../core/resources.ts';
import { TenantStore } from '../../core/tenants/tenant-store.ts';
import { loadAuthorizerConfig } from './authorizer-config.ts';
import { authorizerContext } from './principal.ts';
import { authenticate, type AuthenticateDeps } from './use-cases/authenticate.ts';

const logger = createLogger('api-authorizer');
let deps: AuthenticateDeps | undefined;

function container(): AuthenticateDeps {
  if (!deps) {
    const config = loadAuthorizerConfig(process.env);
    const table = new DynamoTable(createDynamoClients().doc, config.tenantsTable, tables.tenants);
    deps = { tenants: new TenantStore(table, systemClock), adminKeyHash: config.adminKeyHash };
  }
  return deps;
}

export async function bareHandler(
  event: APIGatewayRequestAuthorizerEvent,
  authDeps: AuthenticateDeps = container(),
): Promise<APIGatewayAuthorizerResult> {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  try {
    const principal = await authenticate(authDeps, header ?? undefined);
    return {
      principalId: principal.role === 'admin' ? 'admin' : `${principal.tenantId}/${principal.keyId}`,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageWildcard(event.methodArn) }],
      },
      context: authorizerContext(principal),
    };
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    logger.info('auth.refused', { path: event.path, method: event.httpMethod });
    throw new Error('Unauthorized');
  }
}

/** `arn:...:apiId/stage/GET/v1/x` -> `arn:...:apiId/stage/*`, so a cached policy covers every route. */
function stageWildcard(methodArn: string | undefined): string {
  const parts = (methodArn ?? '').split('/');
  return parts.length >= 2 ? `${parts[0]}/${parts[1]}/*` : '*';
}

export const handler = middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult>((event: APIGatewayRequestAuthorizerEvent) => bareHandler(event)).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
