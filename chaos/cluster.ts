/**
 * The system under fault: emulators (shared by the run), several socket runners — each talking to
 * DynamoDB, SQS and S3 through its own fault proxies and to the simulator through its own TCP proxy, so
 * a fault can hit one runner — the API host (commands are accepted through the real API) and the
 * simulator (shared by the run). Sessions are seeded from the credentials fixture; `traffic` keeps
 * sending messages through the API while a scenario plays, and remembers every accepted one.
 */
import type { EmulatorEndpoints } from '../local/emulators.ts';
import { waMessageIdFor } from '../core/ids.ts';
import { ApiHost, type Tenant } from '../bench/support/api-host.ts';
import { startAwsWorld, type AwsWorld } from '../bench/support/aws-world.ts';
import { contactPhone, ensurePaired, type FixtureLayout } from '../bench/support/credentials-fixture.ts';
import { RunnerProcess } from '../bench/support/runner-process.ts';
import { seedSessions, UNPACED, type SeededSession } from '../bench/support/seed.ts';
import type { SimProcess } from '../bench/support/sim-handle.ts';
import { AwsProxies } from './aws-proxies.ts';
import type { SeededRandom } from './seeded-random.ts';
import { TcpProxy } from './tcp-proxy.ts';

export type TimingProfile = 'short' | 'production';

/** Shortened lease, heartbeat and placement timings, proportionate to production (30 : 5 : 15 s). */
export const SHORT_TIMINGS: Readonly<Record<string, string>> = {
  LEASE_DURATION_MS: '6000',
  LEASE_RENEW_MS: '1000',
  LEASE_SELF_FENCE_MS: '3000',
  DYNAMODB_REQUEST_TIMEOUT_MS: '1000',
  HEARTBEAT_MS: '1000',
  RUNNER_TTL_MS: '3000',
  SLOT_RETRY_MS: '1000',
  PLACEMENT_INTERVAL_MS: '1000',
  START_RATE_PER_SEC: '20',
  CLOSE_TIMEOUT_MS: '5000',
  DRAIN_BUDGET_MS: '15000',
};

/** The runner's defaults (socket-runner/config.ts), written out so the output can say what was used. */
export const PRODUCTION_TIMINGS: Readonly<Record<string, string>> = {
  LEASE_DURATION_MS: '30000',
  LEASE_RENEW_MS: '5000',
  LEASE_SELF_FENCE_MS: '15000',
  DYNAMODB_REQUEST_TIMEOUT_MS: '3000',
  HEARTBEAT_MS: '2000',
  RUNNER_TTL_MS: '15000',
  PLACEMENT_INTERVAL_MS: '5000',
  PLACEMENT_WATCH_MS: '1000',
  START_CONCURRENCY: '16',
  START_RATE_PER_SEC: '5',
  HANDOVER_RATE_PER_SEC: '25',
};

export function timingsOf(profile: TimingProfile): Readonly<Record<string, string>> {
  return profile === 'short' ? SHORT_TIMINGS : PRODUCTION_TIMINGS;
}

/** How long after the last fault every session must be open again: TTL + L + placement ticks + bring-up. */
export function recoveryBoundMs(profile: TimingProfile, sessions: number): number {
  const t = timingsOf(profile);
  const n = (name: string) => Number(t[name]);
  return n('RUNNER_TTL_MS') + n('LEASE_DURATION_MS') + 3 * n('PLACEMENT_INTERVAL_MS') + (sessions / n('START_RATE_PER_SEC')) * 1000 + 20_000;
}

export interface Member {
  readonly id: string;
  readonly runner: RunnerProcess;
  readonly aws: AwsProxies;
  readonly wa: TcpProxy;
}

export interface Accepted {
  readonly commandId: string;
  readonly waMessageId: string;
  readonly sessionId: string;
  /** The contact's number (digits). */
  readonly to: string;
  readonly acceptedAt: number;
}

export interface ClusterOptions {
  readonly sim: SimProcess;
  readonly fixture: FixtureLayout;
  readonly runners: number;
  readonly sessions: number;
  readonly profile: TimingProfile;
  readonly logFile: (name: string) => string | undefined;
  readonly endpoints?: EmulatorEndpoints;
  readonly log?: (line: string) => void;
}

export class ChaosCluster {
  readonly members: Member[] = [];
  readonly accepted: Accepted[] = [];
  readonly rejected: string[] = [];
  private nextRunner = 1;
  private freshContacts = 0;
  private readonly contactBase = 2_000 + Math.floor(Math.random() * 7_000) * 1_000;

  private constructor(
    readonly options: ClusterOptions,
    readonly world: AwsWorld,
    readonly api: ApiHost,
    readonly tenant: Tenant,
    readonly sessions: readonly SeededSession[],
  ) {}

  static async start(options: ClusterOptions): Promise<ChaosCluster> {
    const { phones } = await ensurePaired(options.sim, options.fixture, options.sessions, { concurrency: 4, log: options.log });
    const world = await startAwsWorld({ slotCount: options.runners + 2, endpoints: options.endpoints });
    let api: ApiHost | undefined;
    try {
      api = await ApiHost.start(world.env);
      const tenant = await api.createTenant('chaos');
      const sessions = await seedSessions(world, { tenantId: tenant.tenantId, phones, authDir: options.fixture.authDir, pacing: UNPACED, keys: 'all' });
      const cluster = new ChaosCluster(options, world, api, tenant, sessions);
      for (let i = 0; i < options.runners; i++) await cluster.addRunner();
      await Promise.all(cluster.members.map((m) => m.runner.waitReady(120_000)));
      await options.sim.waitAllOnline(phones, 180_000);
      return cluster;
    } catch (error) {
      await api?.stop();
      await world.close();
      throw error;
    }
  }

  get phones(): string[] {
    return this.sessions.map((s) => s.phone);
  }

  contactOf(session: SeededSession): string {
    return contactPhone(this.contactBase + this.sessions.indexOf(session));
  }

  /** Starts one more runner behind its own proxies; `env` adds variables (e.g. the clock jump). */
  async addRunner(extra: { env?: Record<string, string>; imports?: string[] } = {}): Promise<Member> {
    const id = `chaos-${this.nextRunner++}`;
    const aws = await AwsProxies.start(this.world.env);
    const wa = await TcpProxy.start(this.options.sim.info.url);
    const runner = await RunnerProcess.spawn({
      runnerId: id,
      env: {
        ...aws.route(this.world.env),
        ...this.options.sim.runnerEnv(wa.rewrite(this.options.sim.info.url)),
        ...timingsOf(this.options.profile),
        // Runner logs (bench/results/chaos/logs) at WARN unless asked for more when replaying a seed.
        LOG_LEVEL: process.env.CHAOS_RUNNER_LOG_LEVEL ?? 'WARN',
        ...extra.env,
      },
      imports: extra.imports,
      logFile: this.options.logFile(id),
    });
    const member = { id, runner, aws, wa };
    this.members.push(member);
    return member;
  }

  live(): Member[] {
    return this.members.filter((m) => m.runner.alive);
  }

  /** A contact this session has not written to yet (its first message needs device and prekey lookups). */
  newContact(): string {
    return contactPhone(this.contactBase + 500 + this.freshContacts++);
  }

  /** Accepts one message through the API (recorded when answered 202); to the session's contact by default. */
  async send(session: SeededSession, text: string, to = this.contactOf(session)): Promise<void> {
    const res = await this.api.request('POST', `/v1/sessions/${session.sessionId}/messages`, this.tenant.apiKey, { to: `+${to}`, type: 'text', text });
    if (res.status === 202) {
      const body = res.body as { messageId: string; waMessageId?: string };
      this.accepted.push({ commandId: body.messageId, waMessageId: body.waMessageId ?? waMessageIdFor(body.messageId), sessionId: session.sessionId, to, acceptedAt: Date.now() });
    } else {
      this.rejected.push(`${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
  }

  /** Sends `ratePerSec` messages to seeded-random sessions until the returned stop is called. */
  traffic(rng: SeededRandom, ratePerSec: number): () => Promise<void> {
    let stopped = false;
    let n = 0;
    const loop = (async () => {
      while (!stopped) {
        const session = rng.pick(this.sessions);
        await this.send(session, `chaos ${n++}`).catch((error: unknown) => this.rejected.push(String(error)));
        await new Promise((resolve) => setTimeout(resolve, 1000 / ratePerSec));
      }
    })();
    return async () => {
      stopped = true;
      await loop;
    };
  }

  async close(): Promise<void> {
    for (const member of this.members) {
      if (member.runner.alive) {
        member.runner.kill('SIGCONT'); // a frozen runner must be able to exit
        member.wa.setMode('open');
        for (const proxy of Object.values(member.aws.proxies)) {
          proxy.partition(false);
          proxy.clearRules();
        }
      }
    }
    await Promise.all(this.members.map((m) => m.runner.stop(20_000)));
    await Promise.all(this.members.map(async (m) => Promise.all([m.aws.close(), m.wa.close()])));
    await this.api.stop();
    await this.world.close();
  }
}
