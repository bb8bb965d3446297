/**
 * The Powertools side of `Idempotency-Key` (idempotency.ts holds the port and the contract): the DynamoDB
 * persistence layer with tenant-prefixed record ids, one idempotent execution per request scope, and the
 * translation of Powertools' errors into the API's. Loaded by idempotency.ts on the first request that
 * carries a key, so other cold starts do not load Powertools idempotency and its JMESPath engine.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { AppError, ConflictError, DependencyError, UnprocessableError } from '../../core/errors.ts';
import type { IdempotencyScope, IdempotentRequests } from './idempotency.ts';

interface HashedPayload {
  readonly tenant: string;
  readonly key: string;
  readonly body: unknown;
  readonly [field: string]: unknown;
}

/** Prefixes every record id with the tenant id, so a tenant's records share a recognisable key prefix. */
class TenantScopedPersistenceLayer extends DynamoDBPersistenceLayer {
  protected override getHashedIdempotencyKey(data: Parameters<DynamoDBPersistenceLayer['getRecord']>[0]): string {
    const tenant = (data as HashedPayload).tenant;
    return `${tenant}#${super.getHashedIdempotencyKey(data)}`;
  }
}

export class PowertoolsIdempotencyEngine implements IdempotentRequests {
  private readonly persistence: DynamoDBPersistenceLayer;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly ttlSeconds: number,
  ) {
    this.persistence = new TenantScopedPersistenceLayer({ tableName, awsSdkV3Client: client });
  }

  async run(
    scope: IdempotencyScope,
    execute: () => Promise<APIGatewayProxyResult>,
    remainingTimeMs: () => number = () => 30_000,
  ): Promise<APIGatewayProxyResult> {
    // A config per request: it carries this invocation's remaining time (the in-progress lock expiry).
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'body',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: this.ttlSeconds,
      hashFunction: 'sha256',
      lambdaContext: { getRemainingTimeInMillis: remainingTimeMs } as never,
      // Powertools types the stored response as JSON; ours is always an APIGatewayProxyResult.
      responseHook: (response) => replayed(response as unknown as APIGatewayProxyResult) as never,
    });
    const once = makeIdempotent(async (_payload: HashedPayload) => execute(), {
      persistenceStore: this.persistence,
      config,
      keyPrefix: 'api',
    });
    const payload: HashedPayload = {
      tenant: scope.tenantId,
      key: `${scope.tenantId}|${scope.method} ${scope.path}|${scope.key}`,
      body: scope.body ?? null,
    };
    try {
      return await once(payload);
    } catch (error) {
      throw translate(error);
    }
  }
}

function replayed(response: APIGatewayProxyResult): APIGatewayProxyResult {
  return { ...response, headers: { ...response.headers, 'idempotent-replayed': 'true' } };
}

function translate(error: unknown): unknown {
  if (error instanceof AppError) return error;
  if (error instanceof IdempotencyValidationError) {
    return new UnprocessableError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request body');
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new ConflictError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress; retry shortly');
  }
  return new DependencyError('idempotency', 'the idempotency store failed', error);
}
