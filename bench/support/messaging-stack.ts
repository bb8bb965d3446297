/**
 * The embedded stack for the messaging scenarios, composed from the pieces `npm start` uses: emulators and
 * provisioning (this process), the API function and authorizer behind the local API Gateway (own process),
 * socket runners (own processes, socket-runner/main.ts unchanged), the simulator (own process). A tenant
 * is created through the API; its sessions are seeded from the credentials fixture before the runners
 * start, so they come up from stored credentials. `endpoints` lets a scenario put proxies (counting,
 * faults) between every process and the emulators.
 */
import type { BenchContext } from '../bench-context.ts';
import { ApiHost, type Tenant } from './api-host.ts';
import { startAwsWorld, type AwsWorld } from './aws-world.ts';
import { ensurePaired } from './credentials-fixture.ts';
import { RunnerProcess } from './runner-process.ts';
import { seedSessions, UNPACED, type SeededSession } from './seed.ts';

export interface MessagingStackOptions {
  readonly name: string;
  readonly sessions: number;
  readonly runners: number;
  readonly keys: 'all' | 'creds';
  readonly slotCount?: number;
  /** Environment overrides for the runners (timings). */
  readonly runnerEnv?: Readonly<Record<string, string>>;
  /** Rewrites the endpoint variables every stack process gets (e.g. to proxies); default unchanged. */
  readonly routeEndpoints?: (env: Record<string, string>) => Promise<Record<string, string>> | Record<string, string>;
  readonly webhooks?: boolean;
  /** Start and wait for the runners before the sessions exist, so placement spreads them at once. */
  readonly seedAfterRunners?: boolean;
  /** Runs once the tenant exists, before any runner starts (e.g. register a webhook endpoint). */
  readonly beforeRunners?: (api: ApiHost, tenant: Tenant) => Promise<void>;
}

export interface MessagingStack {
  readonly world: AwsWorld;
  /** The environment the stack's processes get (after routing). */
  readonly env: Record<string, string>;
  readonly api: ApiHost;
  readonly tenant: Tenant;
  readonly sessions: readonly SeededSession[];
  readonly runners: RunnerProcess[];
  startRunner(id: string): Promise<RunnerProcess>;
  close(): Promise<void>;
}

export async function startMessagingStack(ctx: BenchContext, options: MessagingStackOptions): Promise<MessagingStack> {
  const { phones } = await ensurePaired(ctx.sim, ctx.fixture, options.sessions, { concurrency: 4, log: ctx.log });
  const world = await startAwsWorld({ slotCount: options.slotCount ?? Math.max(2, options.runners + 1) });
  const runners: RunnerProcess[] = [];
  let api: ApiHost | undefined;
  const close = async () => {
    await Promise.all(runners.map((runner) => runner.stop(60_000)));
    await api?.stop();
    await world.close();
  };
  try {
    const env = options.routeEndpoints ? await options.routeEndpoints({ ...world.env }) : world.env;
    api = await ApiHost.start(env, { webhooks: options.webhooks });
    const tenant = await api.createTenant(`bench ${options.name}`);
    await options.beforeRunners?.(api, tenant);
    const seed = () => seedSessions(world, { tenantId: tenant.tenantId, phones, authDir: ctx.fixture.authDir, pacing: UNPACED, keys: options.keys });
    const startRunner = async (id: string) => {
      const runner = await RunnerProcess.spawn({
        runnerId: id,
        env: { ...env, ...ctx.sim.runnerEnv(), ...options.runnerEnv },
        logFile: ctx.logFile(`${options.name}-${id}`),
        bundle: await ctx.runnerBundle(),
      });
      runners.push(runner);
      return runner;
    };
    const sessions = options.seedAfterRunners ? [] : await seed();
    for (let i = 0; i < options.runners; i++) await startRunner(`${options.name}-${i + 1}`);
    await Promise.all(runners.map((runner) => runner.waitReady(120_000)));
    if (options.seedAfterRunners) sessions.push(...(await seed()));
    await ctx.sim.waitAllOnline(phones, 10 * 60_000);
    return { world, env, api, tenant, sessions, runners, startRunner, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A fresh block of contact numbers per run: the simulator remembers contacts across runs (its state persists). */
export function contactBlock(): number {
  return 1_000 + Math.floor(Math.random() * 8_000) * 1_000;
}
