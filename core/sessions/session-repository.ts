/**
 * Session records in the sessions table (pk = tenantId, sk = sessionId). The API writes what the tenant
 * wants (create, desired state, deletion); the owning runner writes what is (status, QR, phone, owner),
 * each runner write conditional on its lease epoch so a deposed owner cannot overwrite its successor.
 *
 * gsi1 (sparse, partition `runnable`) lists every session a runner must hold: desired state running, or
 * deleted and not yet purged (a runner logs it out and purges its credentials). It projects only what
 * placement reads (RUNNABLE_INDEX_ATTRIBUTES), so its entries are `RunnableSession`s, not records.
 */
import type { DynamoTable, Page } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';
import { ConditionFailedError, NotFoundError } from '../errors.ts';
import { RUNNABLE_INDEX_ATTRIBUTES } from '../resources.ts';
import {
  RUNNABLE_PARTITION,
  type DesiredState,
  type DisconnectInfo,
  type Pacing,
  type SessionRecord,
  type SessionStatus,
} from '../domain/session.ts';

export interface NewSession {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly name?: string;
  readonly pacing: Pacing;
  readonly desiredState?: DesiredState;
}

/** What an owning runner may change on the record. `null` removes an attribute. */
export interface OwnerPatch {
  readonly status?: SessionStatus;
  readonly statusReason?: string | null;
  readonly phoneNumber?: string;
  readonly ownerRunnerId?: string | null;
  readonly slot?: number | null;
  readonly qr?: string | null;
  readonly qrExpiresAt?: string | null;
  readonly pairingCode?: string | null;
  readonly lastDisconnect?: DisconnectInfo;
}

/**
 * A session as the runnable index holds it: its keys and the attributes the index projects, nothing else.
 * What the runner needs beyond that (status, pacing, ...) it reads with `get`.
 */
export type RunnableSession = Pick<SessionRecord, 'tenantId' | 'sessionId' | (typeof RUNNABLE_INDEX_ATTRIBUTES)[number]>;

/** Keys the API never exposes raw. */
const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']);

export class SessionRepository {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
  ) {}

  async create(input: NewSession): Promise<SessionRecord> {
    const now = new Date(this.clock.now()).toISOString();
    const desiredState = input.desiredState ?? 'running';
    const record: SessionRecord = {
      tenantId: input.tenantId,
      sessionId: input.sessionId,
      name: input.name,
      status: 'created',
      desiredState,
      pacing: input.pacing,
      createdAt: now,
      updatedAt: now,
      statusChangedAt: now,
      desiredStateChangedAt: now,
    };
    await this.table.create({ ...record, pk: input.tenantId, sk: input.sessionId, ...runnableIndex(desiredState, false, input.sessionId) });
    return record;
  }

  async get(tenantId: string, sessionId: string): Promise<SessionRecord | undefined> {
    const item = await this.table.get({ pk: tenantId, sk: sessionId });
    return item ? toRecord(item) : undefined;
  }

  /** The session, or NotFoundError (also for a deleted one: it is gone for the tenant). */
  async require(tenantId: string, sessionId: string): Promise<SessionRecord> {
    const record = await this.get(tenantId, sessionId);
    if (!record || record.deletedAt) throw new NotFoundError('Session', 'session_not_found');
    return record;
  }

  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<SessionRecord>> {
    const out = await this.table.query({
      partition: tenantId,
      limit: page.limit,
      cursor: page.cursor,
      filter: { expression: 'attribute_not_exists(deletedAt)' },
    });
    return { items: out.items.map(toRecord), cursor: out.cursor };
  }

  /**
   * Records the tenant's wish; the runner acts on it. Always writes (also when the state is unchanged):
   * `desiredStateChangedAt` newer than `statusChangedAt` is how a runner holding a parked, logged-out or
   * replaced session learns that the tenant asked to start it again.
   */
  async setDesiredState(tenantId: string, sessionId: string, desiredState: DesiredState): Promise<SessionRecord> {
    const item = await this.table
      .update(
        { pk: tenantId, sk: sessionId },
        {
          set: {
            desiredState,
            updatedAt: new Date(this.clock.now()).toISOString(),
            desiredStateChangedAt: new Date(this.clock.now()).toISOString(),
            ...runnableIndex(desiredState, false, sessionId),
          },
          remove: desiredState === 'running' ? [] : ['gsi1pk', 'gsi1sk'],
          condition: { expression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)' },
        },
      )
      .catch(notFound);
    return toRecord(item);
  }

  /** Marks the session deleted; it stays runnable until a runner has logged it out and purged it. */
  async markDeleted(tenantId: string, sessionId: string): Promise<SessionRecord> {
    const now = new Date(this.clock.now()).toISOString();
    const item = await this.table
      .update(
        { pk: tenantId, sk: sessionId },
        {
          set: { deletedAt: now, desiredState: 'stopped', updatedAt: now, ...runnableIndex('stopped', true, sessionId) },
          condition: { expression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)' },
        },
      )
      .catch(notFound);
    return toRecord(item);
  }

  /** One page of the sessions runners must hold, across tenants (gsi1: eventually consistent, projected). */
  async listRunnable(page: { limit: number; cursor?: string }): Promise<Page<RunnableSession>> {
    const out = await this.table.query({ index: 'gsi1', partition: RUNNABLE_PARTITION, limit: page.limit, cursor: page.cursor });
    return { items: out.items.map(toRunnable), cursor: out.cursor };
  }

  /**
   * A runner's write, fenced: it succeeds only while no later owner (higher epoch) has written.
   * Throws ConditionFailedError when fenced out, NotFoundError when the session is gone.
   */
  async updateFromOwner(tenantId: string, sessionId: string, epoch: number, patch: OwnerPatch): Promise<SessionRecord> {
    const now = new Date(this.clock.now()).toISOString();
    const set: Record<string, unknown> = { epoch, updatedAt: now };
    const remove: string[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) remove.push(key);
      else if (value !== undefined) set[key] = value;
    }
    if (patch.status) set.statusChangedAt = now;
    try {
      return toRecord(
        await this.table.update(
          { pk: tenantId, sk: sessionId },
          {
            set,
            remove,
            condition: {
              expression: 'attribute_exists(pk) AND (attribute_not_exists(epoch) OR epoch <= :epoch)',
              values: { ':epoch': epoch },
            },
          },
        ),
      );
    } catch (error) {
      if (error instanceof ConditionFailedError) {
        const current = await this.table.get({ pk: tenantId, sk: sessionId });
        if (!current) throw new NotFoundError('Session', 'session_not_found');
      }
      throw error;
    }
  }

  /** Removes the record for good, after a runner purged a deleted session. */
  async purge(tenantId: string, sessionId: string): Promise<void> {
    await this.table.delete({ pk: tenantId, sk: sessionId });
  }
}

function runnableIndex(desiredState: DesiredState, deleted: boolean, sessionId: string): Record<string, string> {
  return desiredState === 'running' || deleted ? { gsi1pk: RUNNABLE_PARTITION, gsi1sk: sessionId } : {};
}

function toRecord(item: Record<string, unknown>): SessionRecord {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !INTERNAL.has(key))) as unknown as SessionRecord;
}

/** The projected attributes only, also where a table still projects more (an older local data directory). */
function toRunnable(item: Record<string, unknown>): RunnableSession {
  const runnable: Record<string, unknown> = { tenantId: item.pk, sessionId: item.sk };
  for (const attribute of RUNNABLE_INDEX_ATTRIBUTES) if (item[attribute] !== undefined) runnable[attribute] = item[attribute];
  return runnable as unknown as RunnableSession;
}

function notFound(error: unknown): never {
  if (error instanceof ConditionFailedError) throw new NotFoundError('Session', 'session_not_found');
  throw error;
}
