/**
 * Writes what a session actor observes to the session record and the events queue, in order and fenced.
 *
 * Every record write goes through `SessionRepository.updateFromOwner` with the lease epoch: when it fails
 * its condition (a newer owner wrote) or the record is gone, the reporter stops writing for good and tells
 * the actor, which stops at once (D4). A `session.status` event goes out only after the record was written,
 * so webhooks never announce a status the API cannot show. Writes run one at a time: a status burst
 * (qr -> open -> reconnecting) lands in the order it happened.
 */
import type { Clock } from '../../core/clock.ts';
import type { AnyEvent, EventData, EventType } from '../../core/domain/event.ts';
import type { DisconnectInfo, SessionRecord, SessionStatus } from '../../core/domain/session.ts';
import { ConditionFailedError, DependencyError, NotFoundError } from '../../core/errors.ts';
import { newEvent, type EventPublisher } from '../../core/events/event-publisher.ts';
import type { Logger } from '../../core/logger.ts';
import type { OwnerPatch } from '../../core/sessions/session-repository.ts';
import type { OwnedSession } from '../contracts.ts';

/** The part of SessionRepository hosting uses. */
export interface SessionStore {
  get(tenantId: string, sessionId: string): Promise<SessionRecord | undefined>;
  updateFromOwner(tenantId: string, sessionId: string, epoch: number, patch: OwnerPatch): Promise<SessionRecord>;
  purge(tenantId: string, sessionId: string): Promise<void>;
}

/** Milliseconds since the record's status changed (0 when unknown or in the future). */
export function statusAgeMs(record: SessionRecord, clock: Clock): number {
  const at = Date.parse(record.statusChangedAt);
  return Number.isNaN(at) ? 0 : Math.max(0, clock.now() - at);
}

export interface StatusChange {
  readonly status?: SessionStatus;
  /** Why; cleared (null) when omitted on a status change. */
  readonly reason?: string;
  readonly disconnect?: DisconnectInfo;
  readonly patch?: OwnerPatch;
  /** Further events to publish once the write succeeded (session.qr, alerts, ...). */
  readonly events?: readonly AnyEvent[];
}

export interface StatusReporterDeps {
  readonly owned: OwnedSession;
  readonly sessions: SessionStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The record cannot be written any more: fenced by a newer owner, or purged. */
  readonly onFenced: (cause: unknown) => void;
}

const WRITE_ATTEMPTS = 3;

export class StatusReporter {
  private status: SessionStatus = 'created';
  /** The status last written to (or read from) the record. */
  private stored: SessionStatus | undefined;
  /** Monotonic time of the last status change (how long a session has been stuck, for metrics). */
  private changedAt: number;
  private phoneNumber: string | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private disabled = false;

  constructor(private readonly deps: StatusReporterDeps) {
    this.changedAt = deps.clock.monotonic();
  }

  /** Adopts the stored record's status as the current one (no write). */
  adopt(record: SessionRecord): void {
    this.status = record.status;
    this.stored = record.status;
    this.phoneNumber = record.phoneNumber;
    const age = statusAgeMs(record, this.deps.clock);
    if (age > 0) this.changedAt = this.deps.clock.monotonic() - age;
  }

  current(): SessionStatus {
    return this.status;
  }

  /** Milliseconds since the status last changed. */
  statusAgeMs(): number {
    return this.deps.clock.monotonic() - this.changedAt;
  }

  /**
   * Queues a write; resolves with the stored record, or undefined when it was not written (fenced,
   * disabled, or the store kept failing). Never rejects.
   */
  report(change: StatusChange): Promise<SessionRecord | undefined> {
    const previous = this.status;
    const statusChanged = change.status !== undefined && change.status !== previous;
    if (change.status) this.status = change.status;
    if (statusChanged) this.changedAt = this.deps.clock.monotonic();
    if (change.patch?.phoneNumber) this.phoneNumber = change.patch.phoneNumber;
    const patch: OwnerPatch = {
      ...change.patch,
      ...(change.status ? { statusReason: change.reason ?? null } : {}),
      ...(change.disconnect ? { lastDisconnect: change.disconnect } : {}),
    };
    const events: AnyEvent[] = [];
    if (statusChanged) {
      events.push(
        this.event('session.status', {
          status: change.status!,
          previousStatus: previous,
          reason: change.reason,
          phoneNumber: this.phoneNumber,
          disconnectCode: change.disconnect?.code,
        }),
      );
    }
    events.push(...(change.events ?? []));
    const write = this.chain.then(() => this.write(change.status, patch, events));
    this.chain = write;
    return write;
  }

  /** Publishes events that need no record write (alerts after a purge, ...). */
  publish(events: readonly AnyEvent[]): void {
    if (this.disabled || events.length === 0) return;
    this.deps.events.publish(events).catch((error: unknown) => this.deps.logger.error('session.event_publish_failed', { error }));
  }

  /** An event in this session's context. */
  event<T extends EventType>(type: T, data: EventData[T]): AnyEvent {
    const { tenantId, sessionId } = this.deps.owned;
    return newEvent(type, { tenantId, sessionId }, data, this.deps.clock) as unknown as AnyEvent;
  }

  /** No more writes or events: ownership is gone. */
  disable(): void {
    this.disabled = true;
  }

  /** Resolves when every queued write has settled. */
  async drain(): Promise<void> {
    await this.chain;
  }

  /**
   * Writes the patch, with the status only when it differs from the stored one (the record's
   * statusChangedAt follows real changes; a write that failed is made good by the next one).
   */
  private async write(status: SessionStatus | undefined, patch: OwnerPatch, events: AnyEvent[]): Promise<SessionRecord | undefined> {
    const { owned, sessions, logger } = this.deps;
    const full: OwnerPatch = status && status !== this.stored ? { ...patch, status } : patch;
    if (Object.keys(full).length === 0 && events.length === 0) return undefined;
    for (let attempt = 1; ; attempt++) {
      if (this.disabled || !owned.isValid()) return undefined;
      try {
        const record = await sessions.updateFromOwner(owned.tenantId, owned.sessionId, owned.epoch, full);
        if (full.status) this.stored = full.status;
        this.publish(events);
        return record;
      } catch (error) {
        if (error instanceof ConditionFailedError || error instanceof NotFoundError) {
          this.disabled = true;
          this.deps.onFenced(error);
          return undefined;
        }
        if (!(error instanceof DependencyError) || attempt >= WRITE_ATTEMPTS) {
          logger.error('session.status_write_failed', { error, status: full.status });
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }
}
