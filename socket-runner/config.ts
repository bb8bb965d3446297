/**
 * The socket runner's configuration, read once at boot from the environment and validated with zod: the
 * resource names (set by CDK or the local stack from core/resources.ts), the runner's identity and ports,
 * and every timing of the lease protocol, placement and drain, overridable for tests and chaos runs.
 * A bad or missing value fails start-up with one line naming the variable.
 */
import { hostname } from 'node:os';
import * as z from 'zod';
import { randomToken } from '../core/ids.ts';
import { bucketNameFromEnv, buckets, queues, queueUrlFromEnv, slotCountFromEnv, tableNameFromEnv } from '../core/resource-config.ts';
import type { AuthStateOptions } from './auth/dynamodb-auth-state.ts';
import type { LeaseTimings } from './lease/held-lease.ts';
import type { PlacementConfig } from './placement/placement.ts';
import type { RunnerTimings } from './runner.ts';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const count = (fallback: number, max = 10_000) => z.coerce.number().int().min(1).max(max).default(fallback);

const environmentSchema = z
  .object({
    RUNNER_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore; at most 64')
      .optional(),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    WA_WEB_SOCKET_URL: z.url({ protocol: /^wss?$/ }).optional(),
    WA_SIMULATOR: z.enum(['true', 'false']).default('false'),
    WA_SIM_ROOT_PUBLIC_KEY: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'debug', 'info', 'warn', 'error', 'silent']).optional(),

    LEASE_DURATION_MS: ms(30_000),
    LEASE_RENEW_MS: ms(5_000),
    LEASE_SELF_FENCE_MS: ms(15_000),
    LEASE_RENEW_CONCURRENCY: count(16, 256),
    DYNAMODB_REQUEST_TIMEOUT_MS: ms(3_000),

    HEARTBEAT_MS: ms(2_000),
    RUNNER_TTL_MS: ms(15_000),
    SLOT_RETRY_MS: ms(5_000),

    PLACEMENT_INTERVAL_MS: ms(5_000),
    PLACEMENT_WATCH_MS: ms(1_000),
    PLACEMENT_SLACK: z.coerce.number().int().min(0).max(1_000).default(1),
    PLACEMENT_SWEEP_EVERY: count(60),
    START_CONCURRENCY: count(16, 100),
    START_RATE_PER_SEC: count(5, 1_000),
    HANDOVER_RATE_PER_SEC: count(25, 1_000),
    START_TIMEOUT_MS: ms(60_000),
    CLOSE_TIMEOUT_MS: ms(30_000),

    DRAIN_BUDGET_MS: ms(100_000),
    DRAIN_CONCURRENCY: count(16, 256),

    AUTH_KEY_CACHE_BYTES: z.coerce.number().int().min(0).max(64 * 1024 * 1024).default(128 * 1024),
    AUTH_WRITE_CONCURRENCY: count(8, 64),
    BACKUP_KEEP: count(5, 100),
    BACKUP_INTERVAL_MS: ms(60 * 60 * 1000),
  })
  .superRefine((env, issues) => {
    const problem = (path: string, message: string) => issues.addIssue({ code: 'custom', path: [path], message });
    if (env.LEASE_RENEW_MS >= env.LEASE_SELF_FENCE_MS) problem('LEASE_RENEW_MS', 'must be below LEASE_SELF_FENCE_MS');
    if (env.LEASE_SELF_FENCE_MS >= env.LEASE_DURATION_MS) problem('LEASE_SELF_FENCE_MS', 'must be below LEASE_DURATION_MS');
    if (env.DYNAMODB_REQUEST_TIMEOUT_MS >= env.LEASE_SELF_FENCE_MS) problem('DYNAMODB_REQUEST_TIMEOUT_MS', 'must be below LEASE_SELF_FENCE_MS');
    if (env.HEARTBEAT_MS >= env.RUNNER_TTL_MS) problem('HEARTBEAT_MS', 'must be below RUNNER_TTL_MS');
    if (env.WA_SIMULATOR === 'true' && !env.WA_SIM_ROOT_PUBLIC_KEY) problem('WA_SIM_ROOT_PUBLIC_KEY', 'is required when WA_SIMULATOR=true');
  });

export interface RunnerResources {
  readonly sessionsTable: string;
  readonly commandsTable: string;
  readonly leasesTable: string;
  readonly authTable: string;
  readonly commandsQueueUrlTemplate: string;
  readonly eventsQueueUrl: string;
  readonly credentialsBucket: string;
  readonly slotCount: number;
}

export interface RunnerConfig {
  readonly runnerId: string;
  readonly healthPort: number;
  readonly waWebSocketUrl?: string;
  readonly simulator: boolean;
  /** The simulator's root public key (base64), simulator mode only: Baileys' trust anchor. */
  readonly simulatorRootPublicKey?: string;
  readonly logLevel?: string;
  readonly resources: RunnerResources;
  readonly lease: LeaseTimings & { readonly renewConcurrency: number };
  readonly dynamoRequestTimeoutMs: number;
  readonly runnerTtlMs: number;
  readonly timings: RunnerTimings;
  readonly placement: PlacementConfig;
  readonly auth: AuthStateOptions;
}

export class RunnerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerConfigError';
  }
}

/** Reads and validates the runner's configuration; throws RunnerConfigError with a one-line reason. */
export function loadRunnerConfig(env: NodeJS.ProcessEnv = process.env): RunnerConfig {
  // An empty variable means unset (shells and compose files write `X=` for "no value").
  const parsed = environmentSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RunnerConfigError(`${first?.path.join('.') || 'environment'}: ${first?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  let resources: RunnerResources;
  try {
    resources = {
      sessionsTable: tableNameFromEnv('sessions', env),
      commandsTable: tableNameFromEnv('commands', env),
      leasesTable: tableNameFromEnv('leases', env),
      authTable: tableNameFromEnv('auth', env),
      commandsQueueUrlTemplate: queueUrlFromEnv(queues.commands, env),
      eventsQueueUrl: queueUrlFromEnv(queues.events, env),
      credentialsBucket: bucketNameFromEnv(buckets.credentials, env),
      slotCount: slotCountFromEnv(env),
    };
    if (!resources.commandsQueueUrlTemplate.includes('{slot}')) throw new Error(`${queues.commands.envVar} must contain {slot}`);
  } catch (error) {
    throw new RunnerConfigError((error as Error).message);
  }
  return {
    runnerId: e.RUNNER_ID ?? `runner-${hostname().replace(/[^A-Za-z0-9._-]/g, '').slice(0, 32)}-${randomToken(6)}`,
    healthPort: e.HEALTH_PORT,
    waWebSocketUrl: e.WA_WEB_SOCKET_URL,
    simulator: e.WA_SIMULATOR === 'true',
    simulatorRootPublicKey: e.WA_SIMULATOR === 'true' ? e.WA_SIM_ROOT_PUBLIC_KEY : undefined,
    logLevel: e.LOG_LEVEL?.toUpperCase(),
    resources,
    lease: {
      durationMs: e.LEASE_DURATION_MS,
      renewMs: e.LEASE_RENEW_MS,
      selfFenceMs: e.LEASE_SELF_FENCE_MS,
      renewConcurrency: e.LEASE_RENEW_CONCURRENCY,
    },
    dynamoRequestTimeoutMs: e.DYNAMODB_REQUEST_TIMEOUT_MS,
    runnerTtlMs: e.RUNNER_TTL_MS,
    timings: {
      heartbeatMs: e.HEARTBEAT_MS,
      slotRetryMs: e.SLOT_RETRY_MS,
      drainBudgetMs: e.DRAIN_BUDGET_MS,
      drainConcurrency: e.DRAIN_CONCURRENCY,
    },
    placement: {
      intervalMs: e.PLACEMENT_INTERVAL_MS,
      watchMs: e.PLACEMENT_WATCH_MS,
      // Two and a half heartbeats missed: late enough to ignore a slow write, early enough that a dead
      // runner's leases start their L clock seconds after it died rather than after RUNNER_TTL_MS.
      suspectAfterMs: Math.min(Math.round(e.HEARTBEAT_MS * 2.5), e.RUNNER_TTL_MS),
      slack: e.PLACEMENT_SLACK,
      startConcurrency: e.START_CONCURRENCY,
      startRatePerSec: e.START_RATE_PER_SEC,
      handoverRatePerSec: e.HANDOVER_RATE_PER_SEC,
      startTimeoutMs: e.START_TIMEOUT_MS,
      closeTimeoutMs: e.CLOSE_TIMEOUT_MS,
      sweepEvery: e.PLACEMENT_SWEEP_EVERY,
      leaseDurationMs: e.LEASE_DURATION_MS,
    },
    auth: {
      keyCacheBytes: e.AUTH_KEY_CACHE_BYTES,
      writeConcurrency: e.AUTH_WRITE_CONCURRENCY,
      keepBackups: e.BACKUP_KEEP,
      backupIntervalMs: e.BACKUP_INTERVAL_MS,
    },
  };
}
