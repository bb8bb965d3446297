/**
 * Placement (D4): which sessions this runner holds. Every tick it lists the runnable sessions and the live
 * runners, then does one of:
 * - retire what it holds but should not: desired state stopped (close, release), deleted (hand to the
 *   host, which logs out and purges; then delete the lease), record gone;
 * - hand ONE session over when above its share (close 'handover', clear the record's owner, release the
 *   lease keeping the epoch), and not another until a peer has claimed that one;
 * - claim sessions up to its limit: unowned ones at once, a dead owner's once its lease token has stayed
 *   unchanged for L. Claims go through a start queue bounded in concurrency (a bring-up counts until the
 *   host's `open` promise settles) and in rate, so a mass failover does not stampede WhatsApp or DynamoDB.
 *   Sessions a peer released gracefully (a drain or a handover: each was live a moment ago, so taking it
 *   adds no connection to the fleet) start at `handoverRatePerSec`; every other claim (new sessions, a dead
 *   owner's, a restart) also at most at `startRatePerSec`.
 * Records that still name this runner for a session it no longer holds are cleared (fenced by their epoch),
 * so peers see the session as unowned. Which leases a claim round reads: claim-candidates.ts; when rounds
 * run and which peers count as alive: fleet-watch.ts.
 */
import PQueue from 'p-queue';
import type { Clock } from '../../core/clock.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { RunnableSession, SessionRepository } from '../../core/sessions/session-repository.ts';
import type { CloseReason, OwnedSession, SessionEndReason, SessionHost } from '../contracts.ts';
import type { HeldLease } from '../lease/held-lease.ts';
import type { LeaseManager } from '../lease/lease-manager.ts';
import { sessionLeaseKey, sessionLeaseSubject, type ExpectedLease } from '../lease/lease-records.ts';
import type { LeaseStorePort } from '../lease/lease-store.ts';
import type { RunnerRegistry } from '../lease/runner-registry.ts';
import { settleWithin } from '../settle-within.ts';
import { ClaimCandidates } from './claim-candidates.ts';
import { FleetWatch } from './fleet-watch.ts';
import { claimLimit, fairShare, shouldHandOver, type PlacementView } from './placement-policy.ts';

export interface PlacementConfig {
  /** A full round (list every runnable session) at least this often. */
  readonly intervalMs: number;
  /** Between rounds, read the heartbeats this often and run a round at once when the fleet changed. */
  readonly watchMs: number;
  /** A peer whose heartbeat is older than this may be dead: its sessions' leases are observed from now. */
  readonly suspectAfterMs: number;
  readonly slack: number;
  /** Bring-ups (claim + host.open until its promise settles) in flight at once. */
  readonly startConcurrency: number;
  /** Claims started per second at most. */
  readonly startRatePerSec: number;
  /** Claims of sessions a peer released gracefully (drain, handover) started per second at most. */
  readonly handoverRatePerSec: number;
  /** A bring-up stops counting against the concurrency after this long. */
  readonly startTimeoutMs: number;
  /** How long a graceful close may take before the session is left to its lease. */
  readonly closeTimeoutMs: number;
  /** Every this many ticks, observe every lease not held, not only likely orphans. */
  readonly sweepEvery: number;
  readonly leaseDurationMs: number;
}

export interface PlacementDeps {
  readonly runnerId: string;
  readonly slot: number;
  readonly sessions: SessionRepository;
  readonly leases: LeaseManager;
  readonly leaseStore: LeaseStorePort;
  readonly registry: RunnerRegistry;
  readonly host: SessionHost;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: PlacementConfig;
}

type Phase = 'opening' | 'hosted' | 'closing';

interface Holding {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly lease: HeldLease;
  readonly owned: OwnedSession;
  phase: Phase;
}

const PAGE_SIZE = 500;

export class Placement {
  private readonly held = new Map<string, Holding>();
  private readonly claiming = new Set<string>();
  private readonly candidates: ClaimCandidates;
  private readonly watch: FleetWatch;
  /** Every bring-up: bounded in concurrency and at the handover rate. */
  private readonly starts: PQueue;
  /** Cold claims pass this first: bounded at the start rate. */
  private readonly coldStarts: PQueue;
  private handover?: { leaseKey: { pk: string; sk: string }; since: number };
  private stopped = false;
  private readonly stopping: Promise<void>;
  private readonly stopSignal = new AbortController();
  private loop?: Promise<void>;

  constructor(private readonly deps: PlacementDeps) {
    this.candidates = new ClaimCandidates({
      runnerId: deps.runnerId,
      slot: deps.slot,
      leaseStore: deps.leaseStore,
      clock: deps.clock,
      leaseDurationMs: deps.config.leaseDurationMs,
      sweepEvery: deps.config.sweepEvery,
    });
    this.watch = new FleetWatch({ runnerId: deps.runnerId, registry: deps.registry, clock: deps.clock, config: deps.config });
    this.stopping = new Promise((resolve) => this.stopSignal.signal.addEventListener('abort', () => resolve(), { once: true }));
    const { startConcurrency, startRatePerSec, handoverRatePerSec } = deps.config;
    this.starts = new PQueue({ concurrency: startConcurrency, intervalCap: Math.max(handoverRatePerSec, startRatePerSec), interval: 1000 });
    this.coldStarts = new PQueue({ concurrency: startConcurrency, intervalCap: startRatePerSec, interval: 1000 });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Sessions held or being claimed (what the heartbeat reports). */
  count(): number {
    return this.held.size + this.claiming.size;
  }

  owned(sessionId: string): OwnedSession | undefined {
    const holding = this.held.get(sessionId);
    return holding && holding.lease.isValid() ? holding.owned : undefined;
  }

  /** One placement round (exposed for tests; the loop calls it every interval). */
  async tick(): Promise<void> {
    const runnable = await this.listRunnable();
    const fleet = await this.watch.view();
    await this.reconcile(runnable);
    if (this.stopped) return;
    const view = { runnable: runnable.length, owned: this.count(), peers: fleet.peerCounts, slack: this.deps.config.slack };
    const handoverPending = await this.handoverPending(view);
    let claimableInMs: number | undefined;
    if (shouldHandOver(view)) {
      if (!handoverPending) await this.handOverOne();
    } else {
      // Even with no room, likely orphans are observed (none at steady state), so their L clock is already
      // running when room opens (the share rounds up, a peer joins or leaves, a session is deleted).
      const room = Math.max(0, claimLimit(view) - view.owned);
      claimableInMs = await this.claimUpTo(room, runnable, fleet.vouched);
    }
    this.watch.roundDone(fleet, claimableInMs);
  }

  /** Stops claiming; resolves once claims in flight have settled (bring-ups bounded by startTimeoutMs). */
  async stopClaiming(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    this.coldStarts.clear(); // queued claims are dropped (their promises never settle) ...
    this.starts.clear();
    await this.loop;
    await Promise.all([this.coldStarts.onIdle(), this.starts.onIdle()]);
    this.claiming.clear(); // ... so forget them once the running ones are done
  }

  /**
   * SIGTERM: stop claiming, then close every session ('shutdown': flush creds, close socket) and release
   * its lease keeping the epoch, `concurrency` at a time, until `deadline` (monotonic ms). Sessions not
   * closed by then keep their lease: it expires after L, since a half-closed socket must not be doubled.
   */
  async drain(concurrency: number, deadline: number): Promise<{ released: number; remaining: number }> {
    await settleWithin(this.stopClaiming(), deadline - this.deps.clock.monotonic());
    let released = 0;
    const closing = new PQueue({ concurrency });
    for (const holding of this.held.values()) {
      if (holding.phase === 'closing') continue;
      void closing.add(async () => {
        if (await this.handBack(holding, 'shutdown', deadline).catch(() => false)) released++;
      });
    }
    await settleWithin(closing.onIdle(), deadline - this.deps.clock.monotonic());
    closing.clear();
    return { released, remaining: this.held.size };
  }

  /** A session lease was lost or self-fenced (the host sees `lost` abort and closes). */
  leaseLost(lease: HeldLease): void {
    for (const holding of this.held.values()) {
      if (holding.lease !== lease) continue;
      this.held.delete(holding.sessionId);
      // Fenced by epoch: clears the record only if no newer owner has written it.
      void this.clearOwner(holding);
    }
  }

  /**
   * The host reports a session that ended without `close`. The report names no epoch, so it may come from
   * an actor of an earlier ownership of the same session: 'lost' is ignored (lease loss is known first
   * hand), 'fenced' is believed only when the record shows a newer owner.
   */
  sessionEnded(sessionId: string, reason: SessionEndReason): void {
    const holding = this.held.get(sessionId);
    if (!holding || holding.phase === 'closing' || reason === 'lost') return;
    if (reason === 'fenced') {
      void this.deps.sessions
        .get(holding.tenantId, sessionId)
        .then((record) => {
          if (record?.epoch !== undefined && record.epoch > holding.lease.epoch) this.fenced(sessionId, holding.lease.epoch);
        })
        .catch(() => undefined);
      return;
    }
    holding.phase = 'closing';
    void this.letGo(holding).catch((error: unknown) => this.deps.logger.warn('placement.end_failed', { sessionId, error: String(error) }));
  }

  /** A write of ownership `epoch` was fenced: another owner exists. Stale reports of older epochs are ignored. */
  fenced(sessionId: string, epoch: number): void {
    const holding = this.held.get(sessionId);
    if (!holding || holding.lease.epoch !== epoch) return;
    this.held.delete(sessionId);
    this.deps.leases.abandon(holding.lease, 'fenced');
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (error) {
        this.deps.logger.warn('placement.tick_failed', { error: String(error) });
        this.watch.roundFailed();
      }
      if (this.stopped) break;
      await this.watch.untilDue(this.stopSignal.signal);
    }
  }

  private async listRunnable(): Promise<RunnableSession[]> {
    const all: RunnableSession[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.sessions.listRunnable({ limit: PAGE_SIZE, cursor });
      all.push(...page.items);
      cursor = page.cursor;
    } while (cursor);
    return all;
  }

  /** Retires held sessions that are no longer runnable, confirming with a consistent read (gsi1 lags). */
  private async reconcile(runnable: readonly RunnableSession[]): Promise<void> {
    const byId = new Map(runnable.map((record) => [`${record.tenantId}#${record.sessionId}`, record]));
    for (const record of runnable) {
      if (record.ownerRunnerId !== this.deps.runnerId || this.held.has(record.sessionId) || this.claiming.has(record.sessionId)) continue;
      // A lease lost while its record could not be cleared: peers would take it for a live runner's.
      void this.deps.sessions.updateFromOwner(record.tenantId, record.sessionId, record.epoch ?? 0, { ownerRunnerId: null, slot: null }).catch(() => undefined);
    }
    for (const holding of [...this.held.values()]) {
      if (holding.phase !== 'hosted') continue;
      const listed = byId.get(`${holding.tenantId}#${holding.sessionId}`);
      if (listed && !listed.deletedAt) continue;
      const reason: CloseReason | undefined = listed ? 'deleted' : await this.whyNotRunnable(holding);
      if (!reason || holding.phase !== 'hosted') continue;
      holding.phase = 'closing';
      void this.retire(holding, reason).catch((error: unknown) =>
        this.deps.logger.warn('placement.retire_failed', { sessionId: holding.sessionId, error: String(error) }),
      );
    }
  }

  /** A held session missing from the list: the record says whether it was stopped, deleted, or the index lags. */
  private async whyNotRunnable(holding: Holding): Promise<CloseReason | undefined> {
    const record = await this.deps.sessions.get(holding.tenantId, holding.sessionId);
    if (!record || record.deletedAt) return 'deleted';
    return record.desiredState === 'stopped' ? 'stopped' : undefined;
  }

  private async retire(holding: Holding, reason: CloseReason): Promise<void> {
    const closed = await settleWithin(this.deps.host.close(holding.sessionId, reason), this.deps.config.closeTimeoutMs);
    if (!closed) {
      holding.phase = 'hosted'; // try again next tick; never release a socket that may still be open
      return;
    }
    await this.letGo(holding);
  }

  /** After a close: delete the lease if the record is gone (purged), else clear the owner and release. */
  private async letGo(holding: Holding): Promise<void> {
    const record = await this.deps.sessions.get(holding.tenantId, holding.sessionId);
    this.held.delete(holding.sessionId);
    if (!record) return this.deps.leases.remove(holding.lease);
    await this.clearOwner(holding);
    await this.deps.leases.release(holding.lease);
  }

  private async handOverOne(): Promise<void> {
    const candidates = [...this.held.values()].filter((holding) => holding.phase === 'hosted');
    const holding = candidates[candidates.length - 1]; // the most recently claimed: the longest-held stay put
    if (!holding) return;
    if (await this.handBack(holding, 'handover')) {
      this.handover = { leaseKey: holding.lease.subject, since: this.deps.clock.monotonic() };
      this.deps.logger.info('placement.handed_over', { tenantId: holding.tenantId, sessionId: holding.sessionId, epoch: holding.lease.epoch });
    }
  }

  /** True while the last session handed over has not been claimed yet by a peer that can (bounded by 2 L). */
  private async handoverPending(view: PlacementView): Promise<boolean> {
    if (!this.handover) return false;
    // Left for a peer with room; with none left (it died: late peers are out of the view), take it back.
    const taker = view.peers.some((owned) => owned < fairShare(view) + view.slack);
    if (taker && this.deps.clock.monotonic() - this.handover.since < 2 * this.deps.config.leaseDurationMs) {
      const item = await this.deps.leaseStore.read(this.handover.leaseKey);
      if (item && item.renewToken === undefined) return true;
    }
    this.handover = undefined;
    return false;
  }

  /** Graceful close then release, keeping the epoch. False when the close did not finish in time. */
  private async handBack(holding: Holding, reason: CloseReason, deadline?: number): Promise<boolean> {
    holding.phase = 'closing';
    const budget = Math.min(this.deps.config.closeTimeoutMs, deadline === undefined ? Infinity : deadline - this.deps.clock.monotonic());
    if (!(await settleWithin(this.deps.host.close(holding.sessionId, reason), budget))) {
      this.deps.logger.warn('placement.close_timed_out', { sessionId: holding.sessionId, reason });
      holding.phase = 'hosted';
      return false;
    }
    this.held.delete(holding.sessionId);
    await this.clearOwner(holding);
    await this.deps.leases.release(holding.lease);
    return true;
  }

  /** Queues up to `room` claims; returns when the next observed lease may be taken, if one is watched. */
  private async claimUpTo(room: number, runnable: readonly RunnableSession[], vouched: ReadonlySet<string>): Promise<number | undefined> {
    const handedOver = this.handover?.leaseKey.pk;
    const { claimable, claimableInMs } = await this.candidates.find(
      runnable,
      room,
      vouched,
      (record) =>
        this.held.has(record.sessionId) ||
        this.claiming.has(record.sessionId) ||
        sessionLeaseKey(record.tenantId, record.sessionId).pk === handedOver, // for a peer to take
    );
    for (const { record, expected } of claimable) {
      if (this.stopped) break;
      this.claiming.add(record.sessionId);
      const start = () => this.starts.add(() => this.claim(record, expected));
      // A cold claim holds its place in coldStarts until it has started and settled (or a stop clears the
      // queues, which leaves the promises of dropped tasks unsettled: hence the race with stopping).
      void (expected.state === 'released' ? start() : this.coldStarts.add(() => Promise.race([start(), this.stopping])))
        .catch((error: unknown) => this.deps.logger.warn('placement.claim_failed', { sessionId: record.sessionId, error: String(error) }))
        .finally(() => this.claiming.delete(record.sessionId));
    }
    return claimableInMs;
  }

  private async claim(record: RunnableSession, expected: ExpectedLease): Promise<void> {
    const { tenantId, sessionId } = record;
    const { leases, sessions, host, runnerId, slot, logger, config } = this.deps;
    if (this.stopped) return;
    const lease = await leases.acquire(sessionLeaseSubject(tenantId, sessionId, slot), expected);
    if (!lease) {
      this.watch.runSoon(); // a peer won it: fill the room from what is left without waiting an interval
      return;
    }
    this.candidates.acquired(lease.subject);
    const owned: OwnedSession = { tenantId, sessionId, slot, epoch: lease.epoch, lost: lease.lost, isValid: () => lease.isValid() };
    const holding: Holding = { tenantId, sessionId, lease, owned, phase: 'opening' };
    this.held.set(sessionId, holding);
    this.claiming.delete(sessionId); // counted as held from here on, not twice
    try {
      await sessions.updateFromOwner(tenantId, sessionId, lease.epoch, { ownerRunnerId: runnerId, slot });
      if (this.stopped || !lease.isValid()) throw new Error('stopped while claiming');
    } catch (error) {
      this.held.delete(sessionId);
      await (error instanceof NotFoundError ? leases.remove(lease) : leases.release(lease));
      logger.warn('placement.claim_abandoned', { sessionId, epoch: lease.epoch, error: String(error) });
      return;
    }
    let bringUp: void | Promise<void>;
    try {
      bringUp = host.open(owned);
    } catch (error) {
      this.held.delete(sessionId);
      await leases.release(lease);
      throw error;
    }
    holding.phase = 'hosted';
    logger.info('placement.claimed', { tenantId, sessionId, epoch: lease.epoch, from: expected.state });
    // The bring-up counts against the start concurrency until it settles, but never holds up a drain.
    if (bringUp) await Promise.race([settleWithin(bringUp, config.startTimeoutMs), this.stopping]);
  }

  private async clearOwner(holding: Holding): Promise<void> {
    await this.deps.sessions
      .updateFromOwner(holding.tenantId, holding.sessionId, holding.lease.epoch, { ownerRunnerId: null, slot: null })
      .catch(() => undefined);
  }
}
