/**
 * When placement runs, and which peers it trusts to be alive. A placement round lists every runnable
 * session, so it runs only every `intervalMs`; between rounds the runner reads the heartbeats alone (one
 * small query of the `runners` partition) every `watchMs` and runs a round at once when the fleet changed in
 * a way that frees sessions:
 * - a peer is draining (SIGTERM): its sessions are released one by one, so rounds repeat every watch until
 *   it has gone, and a handover takes about a second instead of up to an interval;
 * - a peer's heartbeat is late (older than `suspectAfterMs`, a few heartbeat periods): it may have died, so
 *   it stops counting toward the fair share (and is handed nothing) and its sessions' leases start being
 *   observed now. This never makes a lease claimable sooner than D4 allows
 *   (L on this runner's clock from the first sighting of an unchanged token); it only starts that clock
 *   early instead of after the heartbeat's TTL. A false suspicion costs lease reads, nothing else: the
 *   peer's renewals keep changing the tokens;
 * - a peer appeared or left.
 * It also runs a round when an observed lease becomes claimable, rather than at the next interval, and a
 * watch period after a claim lost its race to a peer (two runners that both see a dead peer's sessions
 * claimable try overlapping ones; the losers' room is filled from what is left at once, not an interval on).
 */
import { pause } from '../../core/abortable-pause.ts';
import type { Clock } from '../../core/clock.ts';
import type { RunnerInfo, RunnerRegistry } from '../lease/runner-registry.ts';

export interface FleetWatchConfig {
  readonly intervalMs: number;
  readonly watchMs: number;
  readonly suspectAfterMs: number;
}

/** What a placement round needs to know of its peers. */
export interface FleetView {
  /**
   * Sessions held by each vouched peer with a slot (for the fair share and handovers): a late peer may be
   * dead, so it neither shrinks this runner's share nor is handed sessions it may never take.
   */
  readonly peerCounts: readonly number[];
  /** Runners whose heartbeat is recent and not draining: their sessions are left alone between sweeps. */
  readonly vouched: ReadonlySet<string>;
  /** Some peer is draining: its sessions are being released. */
  readonly draining: boolean;
  /** Identifies the view: a change means sessions may have been freed. */
  readonly signature: string;
}

export function fleetView(live: readonly RunnerInfo[], self: string, now: number, suspectAfterMs: number): FleetView {
  const vouched = new Set<string>([self]);
  const peerCounts: number[] = [];
  let draining = false;
  for (const runner of live) {
    if (runner.runnerId === self) continue;
    if (runner.draining) {
      draining = true;
      continue;
    }
    if (now - runner.heartbeatAt > suspectAfterMs) continue;
    vouched.add(runner.runnerId);
    if (runner.slot !== undefined) peerCounts.push(runner.owned);
  }
  const members = live.map((runner) => `${runner.runnerId}:${runner.draining ? 'd' : vouched.has(runner.runnerId) ? 'v' : 's'}`);
  return { peerCounts, vouched, draining, signature: members.sort().join(',') };
}

export class FleetWatch {
  private lastSignature?: string;
  private dueAt = 0;

  constructor(
    private readonly deps: { readonly runnerId: string; readonly registry: RunnerRegistry; readonly clock: Clock; readonly config: FleetWatchConfig },
  ) {}

  /** The fleet as a round sees it now. */
  async view(): Promise<FleetView> {
    return fleetView(await this.deps.registry.live(), this.deps.runnerId, this.deps.clock.now(), this.deps.config.suspectAfterMs);
  }

  /** A round has run on `view`; `claimableInMs` is when the next observed lease may be taken, if any. */
  roundDone(view: FleetView, claimableInMs?: number): void {
    this.lastSignature = view.signature;
    const { intervalMs } = this.deps.config;
    const next = intervalMs * (0.9 + Math.random() * 0.2);
    this.dueAt = this.deps.clock.monotonic() + (claimableInMs === undefined ? next : Math.min(next, claimableInMs + 1));
    if (view.draining) this.runSoon(); // its sessions are being released one by one
  }

  /** Something worth a round happened (a peer drains, a claim lost its race): run one within a watch period. */
  runSoon(): void {
    this.dueAt = Math.min(this.dueAt, this.deps.clock.monotonic() + this.deps.config.watchMs);
  }

  /** A round failed: try again after one interval. */
  roundFailed(): void {
    this.dueAt = this.deps.clock.monotonic() + this.deps.config.intervalMs;
  }

  /**
   * Waits until the next round is due: its time has come, or a heartbeat read between rounds shows the
   * fleet changed. Resolves early when `signal` aborts.
   */
  async untilDue(signal: AbortSignal): Promise<void> {
    const { clock, config } = this.deps;
    while (!signal.aborted) {
      const left = this.dueAt - clock.monotonic();
      if (left <= 0) return;
      await pause(Math.min(left, config.watchMs), signal);
      if (signal.aborted || this.dueAt <= clock.monotonic()) return;
      const view = await this.view().catch(() => undefined);
      if (view && view.signature !== this.lastSignature) return;
    }
  }
}

