/**
 * Per-tenant request rate limit: a fixed one-second window counted in the tenants table
 * (pk = tenantId, sk = RATE#{epochSecond}) with an atomic ADD, the item expiring by TTL a minute later.
 *
 * Why DynamoDB and not memory: Lambda scales out to many containers, and an in-memory counter would allow
 * `limit x containers`. One UpdateItem per request is the price; it runs on the tenant's own partition.
 * A fixed window admits up to twice the limit across a window boundary; for an abuse guard that is fine,
 * and it needs no read-modify-write. If the counter cannot be reached the request is let through (the
 * limiter protects; it must not become the outage) and the caller logs it.
 */
import type { DynamoTable } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';

export interface RateDecision {
  readonly allowed: boolean;
  /** Seconds until the next window opens (Retry-After). */
  readonly retryAfterSeconds: number;
}

/** The port the API depends on. */
export interface RateLimiter {
  consume(tenantId: string): Promise<RateDecision>;
}

const RATE_PREFIX = 'RATE#';
const WINDOW_RETENTION_SECONDS = 60;

export class FixedWindowRateLimiter implements RateLimiter {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
    /** Requests per tenant per second. */
    private readonly limitPerSecond: number,
  ) {
    if (!Number.isInteger(limitPerSecond) || limitPerSecond < 1) throw new Error('limitPerSecond must be a positive integer');
  }

  async consume(tenantId: string): Promise<RateDecision> {
    const nowMs = this.clock.now();
    const second = Math.floor(nowMs / 1000);
    const item = await this.table.update(
      { pk: tenantId, sk: `${RATE_PREFIX}${second}` },
      { add: { hits: 1 }, setIfAbsent: { expiresAt: second + WINDOW_RETENTION_SECONDS } },
    );
    const hits = Number(item.hits ?? 1);
    return { allowed: hits <= this.limitPerSecond, retryAfterSeconds: 1 };
  }
}

/** No limit (RATE_LIMIT_PER_SECOND=0). */
export const unlimited: RateLimiter = {
  consume: async () => ({ allowed: true, retryAfterSeconds: 0 }),
};
