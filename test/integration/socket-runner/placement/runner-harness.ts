// Runners in one process against the emulators: real leases, registry, placement and drain; a fake
// session host that records what it was asked and checks the one rule that matters across all of them:
// a session is never hosted by two runners at once.
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../../../core/aws/clients.ts';
import { openTable } from '../../../../core/aws/tables.ts';
import { systemClock } from '../../../../core/clock.ts';
import { createLogger } from '../../../../core/logger.ts';
import { SessionRepository } from '../../../../core/sessions/session-repository.ts';
import type { CloseReason, CommandPoller, OwnedSession, SessionHost } from '../../../../socket-runner/contracts.ts';
import { LeaseManager } from '../../../../socket-runner/lease/lease-manager.ts';
import { LeaseStore } from '../../../../socket-runner/lease/lease-store.ts';
import { RunnerRegistry } from '../../../../socket-runner/lease/runner-registry.ts';
import type { PlacementConfig } from '../../../../socket-runner/placement/placement.ts';
import { Runner, type DrainReport, type RunnerTimings } from '../../../../socket-runner/runner.ts';
import type { AwsFixture } from '../../../support/aws-fixture.ts';
import { installFaults, type DynamoFaults } from '../lease/dynamo-faults.ts';

// Proportionate to production (30 : 5 : 15 s) and roomy enough for a loaded shared CI machine.
export const leaseTimings = { durationMs: 2_400, renewMs: 400, selfFenceMs: 1_200 };

export const placementConfig: PlacementConfig = {
  intervalMs: 100,
  watchMs: 50,
  suspectAfterMs: 250,
  slack: 1,
  startConcurrency: 3,
  startRatePerSec: 50,
  handoverRatePerSec: 50,
  startTimeoutMs: 2_000,
  closeTimeoutMs: 1_000,
  sweepEvery: 10,
  leaseDurationMs: leaseTimings.durationMs,
};

const runnerTimings: RunnerTimings = { heartbeatMs: 100, slotRetryMs: 100, drainBudgetMs: 5_000, drainConcurrency: 4 };
const RUNNER_TTL_MS = 400;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Shared across every fake host of a test: who hosts what, and every breach of "one host per session". */
export class HostingLedger {
  readonly hostedBy = new Map<string, string>();
  readonly violations: string[] = [];
  readonly log: string[] = [];
}

export interface FakeHostOptions {
  readonly bringUpMs?: number;
  readonly closeMs?: number;
  /** Runs inside close, before it resolves (e.g. purge a deleted session like the real host). */
  readonly onClose?: (sessionId: string, reason: CloseReason, owned: OwnedSession) => Promise<void>;
}

export interface TestRunnerOptions extends FakeHostOptions {
  readonly placement?: Partial<PlacementConfig>;
  readonly runnerTtlMs?: number;
}

export class FakeSessionHost implements SessionHost {
  readonly opened: OwnedSession[] = [];
  readonly closes: { sessionId: string; reason: CloseReason }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly sessions = new Map<string, OwnedSession>();

  constructor(
    private readonly runnerId: string,
    private readonly ledger: HostingLedger,
    private readonly options: FakeHostOptions = {},
  ) {}

  open(owned: OwnedSession): Promise<void> {
    const other = this.ledger.hostedBy.get(owned.sessionId);
    if (other && other !== this.runnerId) this.ledger.violations.push(`${owned.sessionId} opened by ${this.runnerId} while ${other} hosts it`);
    this.ledger.hostedBy.set(owned.sessionId, this.runnerId);
    this.ledger.log.push(`${this.runnerId}:open:${owned.sessionId}`);
    this.sessions.set(owned.sessionId, owned);
    this.opened.push(owned);
    owned.lost.addEventListener('abort', () => this.drop(owned.sessionId, owned), { once: true });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return sleep(this.options.bringUpMs ?? 0).then(() => {
      this.inFlight--;
    });
  }

  async close(sessionId: string, reason: CloseReason): Promise<void> {
    const owned = this.sessions.get(sessionId);
    if (!owned) return;
    await sleep(this.options.closeMs ?? 0);
    await this.options.onClose?.(sessionId, reason, owned);
    this.closes.push({ sessionId, reason });
    this.ledger.log.push(`${this.runnerId}:close:${reason}:${sessionId}`);
    this.drop(sessionId, owned);
  }

  hosted(): string[] {
    return [...this.sessions.keys()];
  }

  epochOf(sessionId: string): number | undefined {
    return this.sessions.get(sessionId)?.epoch;
  }

  private drop(sessionId: string, owned: OwnedSession): void {
    if (this.sessions.get(sessionId) !== owned) return;
    this.sessions.delete(sessionId);
    if (this.ledger.hostedBy.get(sessionId) === this.runnerId) this.ledger.hostedBy.delete(sessionId);
  }
}

class FakeCommandPoller implements CommandPoller {
  readonly slots: number[] = [];
  stops = 0;
  start(slot: number): void {
    this.slots.push(slot);
  }
  async stop(): Promise<void> {
    this.stops++;
  }
}

export interface TestRunner {
  readonly id: string;
  readonly runner: Runner;
  readonly host: FakeSessionHost;
  readonly commands: FakeCommandPoller;
  readonly leases: LeaseStore;
  readonly faults: DynamoFaults;
  readonly clients: AwsClients;
  readonly done: Promise<DrainReport>;
}

export function startRunner(aws: AwsFixture, id: string, ledger: HostingLedger, options: TestRunnerOptions = {}): TestRunner {
  const clients = createAwsClients({ env: aws.env, maxAttempts: 1 });
  const faults = installFaults(clients.doc);
  const logger = createLogger('test', { runnerId: id });
  if (process.env.TEST_LOG_LEVEL) logger.setLogLevel(process.env.TEST_LOG_LEVEL as 'WARN');
  const leaseTable = openTable(clients.doc, 'leases', aws.env);
  const leaseStore = new LeaseStore(leaseTable);
  const host = new FakeSessionHost(id, ledger, options);
  const commands = new FakeCommandPoller();
  const leaseManager: LeaseManager = new LeaseManager({
    store: leaseStore,
    clock: systemClock,
    owner: id,
    timings: leaseTimings,
    renewConcurrency: 8,
    logger,
    onLost: (lease) => runner.leaseLost(lease),
  });
  const runner: Runner = new Runner({
    runnerId: id,
    slotCount: Number(aws.env.SLOT_COUNT),
    clock: systemClock,
    logger,
    leases: leaseManager,
    leaseStore,
    registry: new RunnerRegistry(leaseTable, systemClock, options.runnerTtlMs ?? RUNNER_TTL_MS),
    sessions: new SessionRepository(openTable(clients.doc, 'sessions', aws.env), systemClock),
    host,
    commands,
    placement: { ...placementConfig, ...options.placement },
    timings: runnerTimings,
  });
  return { id, runner, host, commands, leases: leaseStore, faults, clients, done: runner.run() };
}

export async function stopRunners(runners: readonly TestRunner[]): Promise<void> {
  await Promise.all(
    runners.map(async (test) => {
      test.faults.rule = undefined;
      await test.runner.stop();
      destroyAwsClients(test.clients);
    }),
  );
}

/** Polls until `check` holds (or fails the test with `what` after `timeoutMs`). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}
