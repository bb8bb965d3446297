/**
 * Wall clocks that jump: two extra runners start with a preload that moves `Date.now()` / `new Date()`
 * by minutes (one forward, one back) a few seconds in. Leases are timed on the monotonic clock only, so
 * nothing about ownership may change: the check is that no lease epoch moves while the clocks jump.
 */
import { fileURLToPath } from 'node:url';
import { sessionLeaseKey } from '../../socket-runner/lease/lease-records.ts';
import type { ChaosScenario, PlayContext } from '../scenario.ts';
import { sleep } from '../scenario.ts';

const CLOCK_SKEW = fileURLToPath(new URL('../clock-skew.ts', import.meta.url));

async function leaseEpochs(ctx: PlayContext): Promise<Map<string, number>> {
  const items = await ctx.cluster.world.table('leases').getMany(ctx.cluster.sessions.map((s) => ({ ...sessionLeaseKey(ctx.cluster.tenant.tenantId, s.sessionId) })));
  return new Map(items.map((item) => [String(item.pk), Number(item.epoch)]));
}

export const clockJump: ChaosScenario = {
  name: 'clock-jump',
  summary: "runners' wall clocks jump minutes forward and back; leases run on the monotonic clock, so ownership must not move",
  profile: 'short',
  runners: 1,
  sessions: 6,
  async play(ctx) {
    const jump = ctx.rng.int(60, 600) * 1000;
    const at = ctx.rng.int(15_000, 20_000);
    const spawnedAt = Date.now();
    const skew = { CHAOS_CLOCK_JUMP_AT_MS: String(at) };
    const forward = await ctx.cluster.addRunner({ env: { ...skew, CHAOS_CLOCK_JUMP_BY_MS: String(jump) }, imports: [CLOCK_SKEW] });
    const back = await ctx.cluster.addRunner({ env: { ...skew, CHAOS_CLOCK_JUMP_BY_MS: String(-jump) }, imports: [CLOCK_SKEW] });
    await Promise.all([forward.runner.waitReady(60_000), back.runner.waitReady(60_000)]);
    const settled = await untilBalanced(ctx, 3, spawnedAt + at - 1_000);
    const before = await leaseEpochs(ctx);
    const early = Date.now() >= spawnedAt + at;
    ctx.log(`wall clocks of ${forward.id} +${jump / 1000} s and ${back.id} -${jump / 1000} s at ${at} ms`);
    await sleep(Math.max(0, spawnedAt + at - Date.now()) + ctx.ms('LEASE_DURATION_MS') * 2);
    const after = await leaseEpochs(ctx);
    const moved = [...before].filter(([pk, epoch]) => after.get(pk) !== epoch);
    return {
      violations: moved.length > 0 ? [`a wall-clock jump moved ownership: ${moved.length} lease epochs changed (e.g. ${moved[0]![1]} -> ${after.get(moved[0]![0])})`] : [],
      notes: [
        `jump of ${jump / 1000} s both ways, ${at} ms after start`,
        ...(settled ? [] : ['placement had not settled before the jump: ownership was still moving by handover']),
        ...(early ? ['the clocks jumped before the watch began'] : []),
      ],
    };
  },
};

/** Waits until every session is open and no runner holds more than `limit` (no handover pending). */
async function untilBalanced(ctx: PlayContext, limit: number, deadline: number): Promise<boolean> {
  let previous = '';
  while (Date.now() < deadline) {
    const records = await ctx.cluster.world.table('sessions').getMany(ctx.cluster.sessions.map((s) => ({ pk: ctx.cluster.tenant.tenantId, sk: s.sessionId })));
    const counts = new Map<string, number>();
    for (const r of records) counts.set(String(r.ownerRunnerId), (counts.get(String(r.ownerRunnerId)) ?? 0) + 1);
    const snapshot = records.map((r) => `${r.sk}:${r.ownerRunnerId}`).sort().join(',');
    if (records.every((r) => r.status === 'open') && [...counts.values()].every((n) => n <= limit) && snapshot === previous) return true;
    previous = snapshot;
    await sleep(2_000);
  }
  return false;
}
