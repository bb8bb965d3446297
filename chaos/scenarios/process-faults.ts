/**
 * Faults of runner processes: killed outright, frozen past their lease, stopped gracefully but killed
 * mid-drain, half the fleet killed at once, and the production-timings failover.
 */
import { overlapCounts } from '../invariants.ts';
import type { ChaosScenario } from '../scenario.ts';
import { pickOwner, sleep, untilTakenOver } from '../scenario.ts';

export const ownerSigkill: ChaosScenario = {
  name: 'owner-sigkill',
  summary: 'SIGKILL a runner that owns sessions; its peers take them over after the lease expires',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    ctx.log(`SIGKILL ${member.id} (holding ${sessions.length})`);
    member.runner.kill('SIGKILL');
    return {};
  },
};

export const ownerFrozen: ChaosScenario = {
  name: 'owner-frozen',
  summary: 'SIGSTOP an owner past its lease (peers take over), then SIGCONT: it must not act as owner again',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    const before = await overlapCounts(ctx.cluster);
    ctx.log(`SIGSTOP ${member.id} (holding ${sessions.length})`);
    member.runner.kill('SIGSTOP');
    const bound = ctx.ms('RUNNER_TTL_MS') + ctx.ms('LEASE_DURATION_MS') + 30_000;
    const taken = await untilTakenOver(ctx, member, sessions, bound);
    await sleep(ctx.rng.int(0, 2_000));
    // Its sockets stayed open while it was stopped; the new owners' logins replaced them (440) at the
    // simulator, as WhatsApp does. Those overlaps, counted before it resumes, are the only ones allowed:
    // any login after SIGCONT that overlaps another socket is a second live socket.
    let whileFrozen = 0;
    for (const [device, n] of await overlapCounts(ctx.cluster)) whileFrozen += n - (before.get(device) ?? 0);
    ctx.log(`SIGCONT ${member.id}`);
    member.runner.kill('SIGCONT');
    return {
      allowedOverlaps: Math.min(whileFrozen, sessions.length),
      violations: taken ? [] : [`peers did not take over the frozen runner's ${sessions.length} sessions within ${Math.round(bound / 1000)} s`],
      notes: [`${whileFrozen} stale sockets of the frozen runner were replaced at the simulator while it was stopped (allowed overlaps)`],
    };
  },
};

export const sigtermThenSigkill: ChaosScenario = {
  name: 'sigterm-sigkill-mid-drain',
  summary: 'SIGTERM an owner, then SIGKILL it while it drains',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    const afterMs = ctx.rng.int(50, 1_500);
    ctx.log(`SIGTERM ${member.id} (holding ${sessions.length}), SIGKILL after ${afterMs} ms`);
    member.runner.kill('SIGTERM');
    await sleep(afterMs);
    member.runner.kill('SIGKILL');
    return { notes: [`SIGKILL ${afterMs} ms after SIGTERM`] };
  },
};

export const halfKilled: ChaosScenario = {
  name: 'half-the-runners-killed',
  summary: 'SIGKILL half of the runners at the same moment',
  profile: 'short',
  runners: 4,
  sessions: 8,
  async play(ctx) {
    const victims = ctx.rng.shuffle(ctx.cluster.live()).slice(0, Math.floor(ctx.cluster.live().length / 2));
    ctx.log(`SIGKILL ${victims.map((m) => m.id).join(', ')}`);
    for (const victim of victims) victim.runner.kill('SIGKILL');
    return {};
  },
};

export const productionSigkill: ChaosScenario = {
  name: 'production-sigkill',
  summary: 'SIGKILL an owner at production timings (lease 30 s, renew 5 s, self-fence 15 s)',
  profile: 'production',
  runners: 2,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    ctx.log(`SIGKILL ${member.id} (holding ${sessions.length}) at production timings`);
    member.runner.kill('SIGKILL');
    return {};
  },
};
