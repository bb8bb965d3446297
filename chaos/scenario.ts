/**
 * A fault scenario and how one is played: a fresh cluster (fresh tables, runners and proxies; the
 * emulators and the simulator are shared by the run), the invariant watch and message traffic started,
 * the fault played and healed by the scenario, then the final checks (chaos/invariants.ts). Every choice
 * follows from the seed, so a failing seed replays.
 */
import { ChaosCluster, recoveryBoundMs, timingsOf, type ClusterOptions, type Member, type TimingProfile } from './cluster.ts';
import { EpochWatch, finalChecks, overlapCounts } from './invariants.ts';
import type { SeededRandom } from './seeded-random.ts';

export interface PlayContext {
  readonly cluster: ChaosCluster;
  readonly rng: SeededRandom;
  readonly log: (line: string) => void;
  readonly timings: Readonly<Record<string, string>>;
  /** A timing in ms by its variable name. */
  ms(name: string): number;
}

export interface PlayOutcome {
  /** Overlapping logins the simulator may count here (frozen processes only), with the reason. */
  readonly allowedOverlaps?: number;
  /** Violations specific to the scenario (e.g. ownership must not move under a clock jump). */
  readonly violations?: string[];
  readonly notes?: string[];
}

export interface ChaosScenario {
  readonly name: string;
  readonly summary: string;
  readonly profile: TimingProfile;
  readonly runners: number;
  readonly sessions: number;
  /** Plays the fault and heals it; resolves at the moment the system is left to recover. */
  play(ctx: PlayContext): Promise<PlayOutcome>;
}

export interface ScenarioReport {
  readonly scenario: string;
  readonly seed: number;
  readonly profile: TimingProfile;
  readonly timings: Readonly<Record<string, string>>;
  readonly passed: boolean;
  readonly violations: string[];
  readonly recoveredInS: number | null;
  readonly boundS: number;
  readonly commands: Record<string, number>;
  readonly accepted: number;
  readonly overlaps: number;
  readonly allowedOverlaps: number;
  readonly epochSamples: number;
  readonly notes: string[];
  readonly seconds: number;
}

export interface PlayOptions extends Omit<ClusterOptions, 'runners' | 'sessions' | 'profile'> {
  readonly rng: SeededRandom;
  readonly seed: number;
  readonly trafficPerSec?: number;
}

export async function playScenario(scenario: ChaosScenario, options: PlayOptions): Promise<ScenarioReport> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const timings = timingsOf(scenario.profile);
  const cluster = await ChaosCluster.start({ ...options, runners: scenario.runners, sessions: scenario.sessions, profile: scenario.profile });
  const notes: string[] = [];
  try {
    const overlapsBefore = await overlapCounts(cluster);
    const watch = new EpochWatch(cluster);
    watch.start();
    const stopTraffic = cluster.traffic(options.rng.fork('traffic'), options.trafficPerSec ?? 2);
    await sleep(1_500);
    const outcome = await scenario.play({ cluster, rng: options.rng, log, timings, ms: (name) => Number(timings[name]) });
    const healedAt = Date.now();
    await sleep(2_000); // traffic keeps flowing while the system recovers
    await stopTraffic();
    const boundMs = recoveryBoundMs(scenario.profile, scenario.sessions);
    const final = await finalChecks(cluster, {
      healedAt,
      boundMs,
      overlapsBefore,
      allowedOverlaps: outcome.allowedOverlaps ?? 0,
      commandBoundMs: boundMs + 30_000,
    });
    await watch.stop();
    if (cluster.rejected.length > 0) notes.push(`${cluster.rejected.length} sends not accepted by the API (not counted as accepted): ${cluster.rejected[0]}`);
    const violations = [...watch.violations, ...final.violations, ...(outcome.violations ?? [])];
    return {
      scenario: scenario.name,
      seed: options.seed,
      profile: scenario.profile,
      timings,
      passed: violations.length === 0,
      violations,
      recoveredInS: final.recoveredInMs === undefined ? null : Math.round(final.recoveredInMs / 100) / 10,
      boundS: Math.round(boundMs / 1000),
      commands: final.commands,
      accepted: cluster.accepted.length,
      overlaps: final.overlaps,
      allowedOverlaps: outcome.allowedOverlaps ?? 0,
      epochSamples: watch.samples,
      notes: [...notes, ...(outcome.notes ?? [])],
      seconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    await cluster.close();
  }
}

/** Sessions each live runner holds, per the records. */
export async function holdings(cluster: ChaosCluster): Promise<Map<string, string[]>> {
  const records = await cluster.world.table('sessions').getMany(cluster.sessions.map((s) => ({ pk: cluster.tenant.tenantId, sk: s.sessionId })));
  const out = new Map<string, string[]>(cluster.live().map((m) => [m.id, []]));
  for (const record of records) out.get(String(record.ownerRunnerId))?.push(String(record.sk));
  return out;
}

/** A live runner holding at least one session, chosen by the seed. */
export async function pickOwner(ctx: PlayContext): Promise<{ member: Member; sessions: string[] }> {
  const held = await holdings(ctx.cluster);
  const owners = ctx.cluster.live().filter((m) => (held.get(m.id)?.length ?? 0) > 0);
  const member = ctx.rng.pick(owners.length > 0 ? owners : ctx.cluster.live());
  return { member, sessions: held.get(member.id) ?? [] };
}

/** Waits until none of `sessionIds` is held by `member` and all are open elsewhere, or the timeout. */
export async function untilTakenOver(ctx: PlayContext, member: Member, sessionIds: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const records = await ctx.cluster.world.table('sessions').getMany(sessionIds.map((id) => ({ pk: ctx.cluster.tenant.tenantId, sk: id })));
    if (records.every((r) => r.ownerRunnerId && r.ownerRunnerId !== member.id && r.status === 'open')) return true;
    await sleep(250);
  }
  return false;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
