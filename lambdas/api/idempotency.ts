/**
 * `Idempotency-Key` on POSTs (ARCHITECTURE D6), with Powertools idempotency on the DynamoDB persistence
 * layer (`idempotency` table). The key is scoped by tenant + method + concrete path + the header value, so
 * one tenant's key can never replay another's response, nor a send to session A answer a send to session B.
 * The body is validated against the stored hash: the same key with a different body is a 422.
 *
 * Only successful responses are remembered; a request that failed (4xx/5xx) releases its key, so a client
 * can fix and retry under the same key. Stored record ids start with the tenant id (D10).
 *
 * The Powertools engine (powertools-idempotency.ts) is imported on the first request that carries a key:
 * a cold start serving anything else does not load it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';

export interface IdempotencyScope {
  readonly tenantId: string;
  readonly method: string;
  readonly path: string;
  /** The Idempotency-Key header value. */
  readonly key: string;
  readonly body: unknown;
}

/** The port the request pipeline depends on. */
export interface IdempotentRequests {
  /** Runs `execute` once per scope; a replay returns the first response with `idempotent-replayed: true`. */
  run(scope: IdempotencyScope, execute: () => Promise<APIGatewayProxyResult>, remainingTimeMs?: () => number): Promise<APIGatewayProxyResult>;
}

/** What a client may send as a key: 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Powertools idempotency on the `idempotency` table, loaded on first use. */
export class PowertoolsIdempotentRequests implements IdempotentRequests {
  private engine: Promise<IdempotentRequests> | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {}

  async run(
    scope: IdempotencyScope,
    execute: () => Promise<APIGatewayProxyResult>,
    remainingTimeMs?: () => number,
  ): Promise<APIGatewayProxyResult> {
    return (await this.load()).run(scope, execute, remainingTimeMs);
  }

  private load(): Promise<IdempotentRequests> {
    if (!this.engine) {
      const engine = import('./powertools-idempotency.ts').then(
        ({ PowertoolsIdempotencyEngine }) => new PowertoolsIdempotencyEngine(this.client, this.tableName, this.ttlSeconds),
      );
      this.engine = engine;
      engine.catch(() => {
        if (this.engine === engine) this.engine = undefined;
      });
    }
    return this.engine;
  }
}
