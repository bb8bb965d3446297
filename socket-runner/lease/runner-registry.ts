/**
 * Live runners, for placement only (never for safety): each runner writes a heartbeat item every few
 * seconds carrying its slot and how many sessions it holds; peers read them all with one query of the
 * `runners` partition and count those whose heartbeat is recent. DynamoDB TTL removes items of runners that
 * died long ago; liveness itself is judged from `liveUntil`, since TTL deletion can lag by hours.
 *
 * One partition of the base table rather than gsi1: the leases index projects keys only (renewals must not
 * write it), and a heartbeat then writes the table alone. The load is a few items per runner per 5 s, far
 * below a partition's limits.
 */
import type { DynamoTable } from '../../core/aws/dynamo-table.ts';
import type { Clock } from '../../core/clock.ts';

export const RUNNERS_PARTITION = 'runners';
/** Items of dead runners linger this long for operators before TTL removes them. */
const RETAIN_SECONDS = 3600;

export interface RunnerBeat {
  /** The slot held, if any: only runners with a slot serve sessions. */
  readonly slot?: number;
  /** Sessions held (and being claimed). */
  readonly owned: number;
  /** Draining runners are leaving: peers neither count them nor expect them to take sessions. */
  readonly draining: boolean;
}

export interface RunnerInfo extends RunnerBeat {
  readonly runnerId: string;
  readonly heartbeatAt: number;
  readonly liveUntil: number;
}

export class RunnerRegistry {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
    /** How long a heartbeat vouches for its runner (a few heartbeat periods). */
    private readonly ttlMs: number,
  ) {}

  async beat(runnerId: string, beat: RunnerBeat): Promise<void> {
    const now = this.clock.now();
    await this.table.put({
      pk: RUNNERS_PARTITION,
      sk: runnerId,
      runnerId,
      slot: beat.slot,
      owned: beat.owned,
      draining: beat.draining,
      heartbeatAt: now,
      liveUntil: now + this.ttlMs,
      expiresAt: Math.ceil((now + this.ttlMs) / 1000) + RETAIN_SECONDS,
    });
  }

  /** Runners whose heartbeat is still current (eventually consistent: placement tolerates a stale view). */
  async live(): Promise<RunnerInfo[]> {
    const now = this.clock.now();
    const items = await this.table.queryAll({ partition: RUNNERS_PARTITION });
    return items
      .map((item) => ({
        runnerId: String(item.runnerId),
        slot: typeof item.slot === 'number' ? item.slot : undefined,
        owned: Number(item.owned ?? 0),
        draining: item.draining === true,
        heartbeatAt: Number(item.heartbeatAt ?? 0),
        liveUntil: Number(item.liveUntil ?? 0),
      }))
      .filter((runner) => runner.liveUntil > now);
  }

  /** Removes this runner's heartbeat on a graceful exit, so peers recount at once. */
  async remove(runnerId: string): Promise<void> {
    await this.table.delete({ pk: RUNNERS_PARTITION, sk: runnerId });
  }
}
