/**
 * Dormancy: a hosted session with no socket, waiting for its tenant — `stopped` after a 440,
 * `needs_pairing` after a logout or an unscanned pairing, `failed` when the circuit breaker parked it.
 * Going dormant drops the socket and writes why (status, reason, alert). A dormant session watches its
 * record instead of WhatsApp: every `dormantPollMs` it re-reads it and wakes when the record is gone or
 * deleted, when the tenant started the session after it went dormant (desiredStateChangedAt newer than the
 * dormant status), or when a parked session's half-open probe is due. A session found dormant at boot stays
 * so until one of those happens.
 *
 * The actor decides when a session goes dormant (session-actor.ts); dormancy acts on the actor only through
 * `DormantActor`, and polls on the actor's one timer.
 */
import { isoNow, type Clock } from '../../core/clock.ts';
import type { DisconnectInfo, SessionRecord, SessionStatus } from '../../core/domain/session.ts';
import type { Logger } from '../../core/logger.ts';
import type { SessionEndReason } from '../contracts.ts';
import type { ActorTimer } from './actor-timer.ts';
import type { ConnectionAttempts } from './connection-attempts.ts';
import type { Deferred } from './deferred.ts';
import type { ReconnectSchedule } from './reconnect-schedule.ts';
import type { SessionCredentials } from './session-credentials.ts';
import type { SessionNotices } from './session-notices.ts';
import { statusAgeMs, type StatusChange, type StatusReporter } from './status-reporter.ts';

/** What dormancy may ask of the actor. */
export interface DormantActor {
  /** Moves the actor into its dormant phase; false when its phase rules refuse (it is ending or deleting). */
  becomeDormant(): boolean;
  isDormant(): boolean;
  /** False once the actor is closing. */
  live(): boolean;
  /** Re-reads the session record (and keeps it); undefined when it is gone. */
  refreshRecord(): Promise<SessionRecord | undefined>;
  /** The record as last read. */
  lastRecord(): SessionRecord | undefined;
  beginDeletion(): void;
  end(reason: SessionEndReason): void;
  /** Connects again: the tenant started the session, or a parked session's probe is due. */
  connect(): void;
}

export interface DormancyDeps {
  readonly actor: DormantActor;
  readonly timer: ActorTimer;
  readonly socket: ConnectionAttempts;
  readonly credentials: SessionCredentials;
  readonly reconnects: ReconnectSchedule;
  readonly reporter: Pick<StatusReporter, 'report'>;
  readonly notices: Pick<SessionNotices, 'parked' | 'loggedOut'>;
  /** The actor's bring-up: over once the session is dormant. */
  readonly bringUp: Deferred;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: { readonly dormantPollMs: number };
}

const DORMANT_STATUSES: ReadonlySet<SessionStatus> = new Set(['needs_pairing', 'failed', 'stopped']);

export class Dormancy {
  /** When the dormant status was written: a tenant's start counts only when it is later. */
  private since = '';

  constructor(private readonly deps: DormancyDeps) {}

  /** At boot: stays dormant (true) when the record is dormant and the tenant has not started it since. */
  stayDormantAtBoot(record: SessionRecord): boolean {
    if (!DORMANT_STATUSES.has(record.status) || startedSince(record, record.statusChangedAt)) return false;
    if (record.status === 'failed') this.deps.reconnects.park(statusAgeMs(record, this.deps.clock));
    this.watch(record.statusChangedAt);
    return true;
  }

  /** Goes dormant after writing why (status, reason, events). */
  async enter(why: StatusChange): Promise<void> {
    const { actor, timer, socket, bringUp, reporter, clock } = this.deps;
    if (!actor.becomeDormant()) return;
    timer.stop();
    socket.drop();
    bringUp.resolve();
    const written = await reporter.report(why);
    if (actor.isDormant()) this.watch(written?.statusChangedAt ?? isoNow(clock));
  }

  /** The circuit breaker tripped (or the half-open probe failed): dormant `failed` until the tenant starts it. */
  park(disconnect: DisconnectInfo): Promise<void> {
    this.deps.reconnects.park();
    return this.enter(this.deps.notices.parked(disconnect));
  }

  /**
   * The device was unlinked (by WhatsApp, or `requested` by a logout command): its credentials are purged
   * and the session waits for a new pairing, or is deleted if its record is. True when it did either;
   * false when the actor moved on first (a deletion began or it is closing): that is then theirs to finish.
   */
  async loggedOut(disconnect: DisconnectInfo | undefined, reason: string, requested: boolean): Promise<boolean> {
    const { actor, credentials, logger } = this.deps;
    if (!actor.becomeDormant()) return false;
    this.deps.timer.stop();
    this.deps.socket.drop();
    const record = await actor.refreshRecord().catch(() => actor.lastRecord());
    if (!actor.isDormant()) return false;
    if (!record || record.deletedAt) {
      actor.beginDeletion();
      return true;
    }
    try {
      await credentials.purge();
    } catch (error) {
      logger.error('session.creds_purge_failed', { error });
    }
    if (!actor.isDormant()) return false;
    await this.enter(this.deps.notices.loggedOut(reason, disconnect, requested));
    return true;
  }

  private watch(since: string): void {
    this.deps.actor.becomeDormant();
    this.since = since;
    this.deps.bringUp.resolve();
    this.nextPoll();
  }

  private nextPoll(): void {
    this.deps.timer.start(this.deps.config.dormantPollMs, () => void this.poll());
  }

  private async poll(): Promise<void> {
    const { actor, logger, reconnects } = this.deps;
    let record: SessionRecord | undefined;
    try {
      record = await actor.refreshRecord();
    } catch (error) {
      logger.warn('session.poll_failed', { error });
      if (actor.isDormant()) this.nextPoll();
      return;
    }
    if (!actor.isDormant()) return;
    if (!record) return actor.end('gone');
    if (record.deletedAt) return actor.beginDeletion();
    const by = startedSince(record, this.since) ? 'tenant' : reconnects.probeDue() ? 'probe' : undefined;
    if (!by) return this.nextPoll();
    logger.info('session.resumed', { by });
    reconnects.resume(by === 'probe');
    actor.connect();
  }
}

/** True when the tenant set the desired state to running after `since` (a start resets a dormant session). */
function startedSince(record: SessionRecord, since: string): boolean {
  return record.desiredState === 'running' && !!record.desiredStateChangedAt && record.desiredStateChangedAt > since;
}
