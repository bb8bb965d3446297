/**
 * The runner's lifecycle (D3, D4): heartbeat, claim a slot, poll its queue and place sessions while the
 * slot is held; on SIGTERM drain everything within a budget and release the slot. It is also the
 * `Ownership` the command loop and the health endpoint ask (contracts.ts).
 *
 *   start ─> claim slot (retry every slotRetryMs; not ready meanwhile) ─> serving: commands.start(k),
 *            placement ticks
 *   serving ─ slot lease lost ─> stand down (stop polling, hand every session back) ─> claim a slot again
 *   serving ─ stop() ─> draining: not ready, stop polling, hand every session over ('shutdown'), release
 *            the slot, remove the heartbeat ─> run() resolves
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { SessionRepository } from '../core/sessions/session-repository.ts';
import type { CommandPoller, FencedError, OwnedSession, Ownership, SessionEndReason, SessionHost } from './contracts.ts';
import type { HeldLease } from './lease/held-lease.ts';
import type { LeaseManager } from './lease/lease-manager.ts';
import type { LeaseStorePort } from './lease/lease-store.ts';
import type { RunnerRegistry } from './lease/runner-registry.ts';
import { Placement, type PlacementConfig } from './placement/placement.ts';
import { SlotClaimer } from './placement/slot-claimer.ts';
import { settleWithin } from './settle-within.ts';

export interface RunnerTimings {
  readonly heartbeatMs: number;
  readonly slotRetryMs: number;
  /** Total time a drain may take (ECS stopTimeout is 120 s: keep a margin). */
  readonly drainBudgetMs: number;
  /** Sessions closed and released at once while draining. */
  readonly drainConcurrency: number;
}

export interface RunnerDeps {
  readonly runnerId: string;
  readonly slotCount: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leases: LeaseManager;
  readonly leaseStore: LeaseStorePort;
  readonly registry: RunnerRegistry;
  readonly sessions: SessionRepository;
  readonly host: SessionHost;
  readonly commands: CommandPoller;
  readonly placement: PlacementConfig;
  readonly timings: RunnerTimings;
}

export interface DrainReport {
  readonly released: number;
  /** Sessions whose close did not finish in the budget: left to their leases' expiry. */
  readonly remaining: number;
  readonly withinBudget: boolean;
}

export class Runner implements Ownership {
  readonly runnerId: string;
  private slotLease?: HeldLease;
  private placement?: Placement;
  private stopping = false;
  private stopDeadline = 0;
  private readonly stopSignal: Promise<void>;
  private signalStop!: () => void;
  private running?: Promise<DrainReport>;
  private heartbeatTimer?: NodeJS.Timeout;
  private heartbeatStopped = false;
  private beating?: Promise<void>;

  constructor(private readonly deps: RunnerDeps) {
    this.runnerId = deps.runnerId;
    this.stopSignal = new Promise((resolve) => (this.signalStop = resolve));
  }

  /** Runs until stop() has drained; resolves with the drain's outcome. */
  run(): Promise<DrainReport> {
    this.running ??= this.lifecycle();
    return this.running;
  }

  /** Graceful stop (SIGTERM): drains within the budget. Idempotent. */
  stop(): Promise<DrainReport> {
    if (!this.stopping) {
      this.stopping = true;
      this.stopDeadline = this.deps.clock.monotonic() + this.deps.timings.drainBudgetMs;
      this.deps.logger.info('runner.stopping', { budgetMs: this.deps.timings.drainBudgetMs });
      this.signalStop();
    }
    return this.run();
  }

  // --- Ownership --------------------------------------------------------------------------------------

  slot(): number | undefined {
    return this.slotLease?.isValid() ? this.slotLease.subject.slot : undefined;
  }

  owned(sessionId: string): OwnedSession | undefined {
    return this.placement?.owned(sessionId);
  }

  async ownerSlotOf(tenantId: string, sessionId: string): Promise<number | undefined> {
    const record = await this.deps.sessions.get(tenantId, sessionId);
    if (!record || record.deletedAt || record.ownerRunnerId === undefined || record.slot === undefined) return undefined;
    // This runner is asking because it does not host the session: a claim or a release is under way here,
    // and the session's queued commands are re-driven from DynamoDB by whoever ends up owning it.
    if (record.ownerRunnerId === this.runnerId) return undefined;
    return record.slot;
  }

  ready(): boolean {
    return !this.stopping && this.slot() !== undefined;
  }

  /** Sessions held (heartbeat, metrics). */
  ownedCount(): number {
    return this.placement?.count() ?? 0;
  }

  // --- wiring from the lease manager, the host and auth ----------------------------------------------

  leaseLost(lease: HeldLease): void {
    if (lease.subject.kind === 'session') this.placement?.leaseLost(lease);
  }

  sessionEnded(sessionId: string, reason: SessionEndReason): void {
    this.placement?.sessionEnded(sessionId, reason);
  }

  fenced(error: FencedError): void {
    this.placement?.fenced(error.sessionId, error.epoch);
  }

  // --- lifecycle -------------------------------------------------------------------------------------

  private async lifecycle(): Promise<DrainReport> {
    this.heartbeat();
    const claimer = new SlotClaimer({
      runnerId: this.runnerId,
      slotCount: this.deps.slotCount,
      leases: this.deps.leases,
      store: this.deps.leaseStore,
      clock: this.deps.clock,
      leaseDurationMs: this.deps.placement.leaseDurationMs,
      logger: this.deps.logger,
    });
    while (!this.stopping) {
      const slotLease = await this.claimSlot(claimer);
      if (!slotLease) break;
      const outcome = await this.serve(slotLease);
      if (outcome === 'stop') break;
      this.deps.logger.error('runner.slot_lost', { slot: slotLease.subject.slot });
      await this.standDown(this.deps.clock.monotonic() + this.deps.timings.drainBudgetMs);
    }
    const report = await this.standDown(this.stopDeadline);
    await this.stopHeartbeat();
    await this.deps.registry.remove(this.runnerId).catch(() => undefined);
    this.deps.leases.stop();
    this.deps.logger.info('runner.stopped', { ...report });
    return report;
  }

  private async claimSlot(claimer: SlotClaimer): Promise<HeldLease | undefined> {
    while (!this.stopping) {
      try {
        const lease = await claimer.tryClaim();
        if (lease) return lease;
        this.deps.logger.info('runner.no_free_slot', { slotCount: this.deps.slotCount });
      } catch (error) {
        this.deps.logger.warn('runner.slot_claim_failed', { error: String(error) });
      }
      await Promise.race([this.stopSignal, new Promise((resolve) => setTimeout(resolve, this.deps.timings.slotRetryMs))]);
    }
    return undefined;
  }

  private async serve(slotLease: HeldLease): Promise<'stop' | 'slot-lost'> {
    const slot = slotLease.subject.slot;
    this.slotLease = slotLease;
    this.placement = new Placement({
      runnerId: this.runnerId,
      slot,
      sessions: this.deps.sessions,
      leases: this.deps.leases,
      leaseStore: this.deps.leaseStore,
      registry: this.deps.registry,
      host: this.deps.host,
      clock: this.deps.clock,
      logger: this.deps.logger,
      config: this.deps.placement,
    });
    await this.beat();
    this.deps.commands.start(slot);
    this.placement.start();
    const lost = new Promise<'slot-lost'>((resolve) => {
      if (slotLease.lost.aborted) resolve('slot-lost');
      slotLease.lost.addEventListener('abort', () => resolve('slot-lost'), { once: true });
    });
    return Promise.race([lost, this.stopSignal.then(() => 'stop' as const)]);
  }

  /** Stop polling, hand every session back, release the slot: all before `deadline` (monotonic ms). */
  private async standDown(deadline: number): Promise<DrainReport> {
    const placement = this.placement;
    const slotLease = this.slotLease;
    if (!placement || !slotLease) return { released: 0, remaining: 0, withinBudget: true };
    await this.beat(); // peers stop counting this runner now, not when its heartbeat expires
    await settleWithin(this.deps.commands.stop(), deadline - this.deps.clock.monotonic());
    const { released, remaining } = await placement.drain(this.deps.timings.drainConcurrency, deadline);
    if (slotLease.state === 'held') await this.deps.leases.release(slotLease);
    this.placement = undefined;
    this.slotLease = undefined;
    const withinBudget = this.deps.clock.monotonic() <= deadline && remaining === 0;
    this.deps.logger.info('runner.stood_down', { slot: slotLease.subject.slot, released, remaining, withinBudget });
    return { released, remaining, withinBudget };
  }

  private heartbeat(): void {
    const loop = () => {
      if (this.heartbeatStopped) return;
      this.beating = this.beat().finally(() => {
        if (!this.heartbeatStopped) this.heartbeatTimer = setTimeout(loop, this.deps.timings.heartbeatMs);
      });
    };
    loop();
  }

  private async stopHeartbeat(): Promise<void> {
    this.heartbeatStopped = true;
    clearTimeout(this.heartbeatTimer);
    await this.beating;
  }

  private async beat(): Promise<void> {
    await this.deps.registry
      .beat(this.runnerId, { slot: this.slot(), owned: this.ownedCount(), draining: this.stopping })
      .catch((error: unknown) => this.deps.logger.warn('runner.heartbeat_failed', { error: String(error) }));
  }
}
