/**
 * What every benchmark scenario gets: the mode and its sizes, the shared simulator (its own process,
 * state in the credentials fixture), the fixture, where results and logs go, and a progress logger.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FixtureLayout } from './support/credentials-fixture.ts';
import type { SimProcess } from './support/sim-handle.ts';
import type { RunnerBundle } from './support/runner-process.ts';

export type BenchMode = 'quick' | 'full';

export interface BenchSizes {
  /** Sessions connected before the baseline is read, so one-time lazy initialisation is not charged per session. */
  readonly warmSessions: number;
  /** Memory per session is reported at these N (runner and bare Baileys). */
  readonly memoryN: readonly number[];
  /** Sessions in one runner for the capacity figures. */
  readonly capacityN: number;
  /** Idle time after bring-up before memory is read. */
  readonly settleMs: number;
  /** Window over which the event-loop delay is sampled at capacity. */
  readonly delayWindowMs: number;
  /** Bring-ups in flight at once (runner START_CONCURRENCY, bare baseline likewise). */
  readonly startConcurrency: number;
  /** `ratePerSec` is judged against the targets; `alsoAt` rates are measured after it, on the same stack. */
  readonly send: { readonly sessions: number; readonly ratePerSec: number; readonly seconds: number; readonly alsoAt?: readonly number[] };
  readonly failover: { readonly sessions: number; readonly runners: number };
  readonly requests: { readonly sessions: number; readonly messages: number };
}

export const SIZES: Record<BenchMode, BenchSizes> = {
  quick: {
    warmSessions: 3,
    memoryN: [30],
    capacityN: 40,
    settleMs: 2_000,
    delayWindowMs: 5_000,
    startConcurrency: 16,
    send: { sessions: 10, ratePerSec: 5, seconds: 10 },
    failover: { sessions: 6, runners: 2 },
    requests: { sessions: 4, messages: 12 },
  },
  full: {
    warmSessions: 5,
    memoryN: [100, 500],
    capacityN: 1_000,
    settleMs: 20_000,
    delayWindowMs: 30_000,
    startConcurrency: 16,
    send: { sessions: 100, ratePerSec: 10, seconds: 60, alsoAt: [20] },
    failover: { sessions: 100, runners: 3 },
    requests: { sessions: 20, messages: 200 },
  },
};

export interface BenchContext {
  readonly mode: BenchMode;
  readonly sizes: BenchSizes;
  readonly fixture: FixtureLayout;
  readonly sim: SimProcess;
  readonly resultsDir: string;
  readonly root: string;
  log(line: string): void;
  /** A log file for a child process of a scenario. */
  logFile(name: string): string;
  /** The runner bundle the container image ships (built once per run, on first use): what runners run. */
  runnerBundle(): Promise<RunnerBundle>;
}

export function logDir(resultsDir: string): string {
  const dir = join(resultsDir, 'logs');
  mkdirSync(dir, { recursive: true });
  return dir;
}
