/**
 * Scenario 5: failover at production timings (the runner's defaults: lease 30 s, renew 5 s, self-fence
 * 15 s; heartbeat 2 s, a peer late after 5 s; placement rounds every 5 s and a heartbeat watch every 1 s;
 * START_CONCURRENCY 16, START_RATE_PER_SEC 5, HANDOVER_RATE_PER_SEC 25).
 * - SIGKILL the runner holding the most sessions: per session, the time from the kill until its device is
 *   online again at the simulator (opened by another runner), p50 / p99 / max.
 * - Then a replacement runner starts (as ECS would) and the runner holding the most sessions gets SIGTERM:
 *   the time until every one of its sessions is open elsewhere, the per-session gap (offline -> online at
 *   the simulator) and how long its drain took.
 * The simulator's overlap count (a login while another socket of the same device is live) is reported too.
 */
import { systemClock } from '../../core/clock.ts';
import { SessionRepository } from '../../core/sessions/session-repository.ts';
import type { BenchContext } from '../bench-context.ts';
import { figure, type ScenarioResult } from '../report/results.ts';
import { preciseNow } from '../support/child-rpc.ts';
import { startMessagingStack, type MessagingStack } from '../support/messaging-stack.ts';
import type { RunnerProcess } from '../support/runner-process.ts';
import { round, summarize } from '../support/stats.ts';

const RECOVERY_TIMEOUT_MS = 5 * 60_000;

export async function failover(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { sessions: count, runners } = ctx.sizes.failover;
  const stack = await startMessagingStack(ctx, { name: 'failover', sessions: count, runners, keys: 'creds', seedAfterRunners: true });
  try {
    const overlapsBefore = (await ctx.sim.totals()).overlaps;
    await settleOwnership(stack, 60_000);

    // SIGKILL
    const victim = await busiest(stack);
    const killedPhones = victim.phones;
    const killedAt = preciseNow();
    victim.runner.kill('SIGKILL');
    const killTimes = await reopenTimes(ctx, killedPhones, killedAt);
    ctx.log(`SIGKILL: ${killedPhones.length} sessions reopened, p99 ${round(summarize(killTimes).p99 / 1000, 1)} s`);

    // Replacement, then SIGTERM
    const replacement = await stack.startRunner(`failover-${runners + 1}`);
    await replacement.waitReady(120_000);
    const drained = await busiest(stack);
    const termAt = preciseNow();
    drained.runner.kill('SIGTERM');
    const exited = drained.runner.handle.exited.then(() => preciseNow());
    const termTimes = await reopenTimes(ctx, drained.phones, termAt);
    const gaps = gapsOf(ctx, drained.phones, termAt);
    const drainMs = (await exited) - termAt;
    const overlaps = (await ctx.sim.totals()).overlaps - overlapsBefore;

    const kill = summarize(killTimes);
    const term = summarize(termTimes);
    const gap = summarize(gaps);
    return {
      id: 'failover',
      title: `5. Failover: ${count} sessions over ${runners} runners`,
      method: [
        'production timings, the runner defaults (LEASE_DURATION_MS 30000, LEASE_RENEW_MS 5000, LEASE_SELF_FENCE_MS 15000, HEARTBEAT_MS 2000, PLACEMENT_INTERVAL_MS 5000, PLACEMENT_WATCH_MS 1000, START_CONCURRENCY 16, START_RATE_PER_SEC 5, HANDOVER_RATE_PER_SEC 25);',
        'times at the simulator: a session counts as open elsewhere when its device is online again after the signal;',
        'SIGTERM: a replacement runner is started and ready first, then the busiest runner is stopped.',
      ],
      figures: [
        figure('sigkillSessions', 'SIGKILL: sessions on the killed runner', killedPhones.length, ''),
        figure('sigkillP50S', 'SIGKILL -> open elsewhere p50', round(kill.p50 / 1000, 1), 's'),
        figure('sigkillP99S', 'SIGKILL -> open elsewhere p99', round(kill.p99 / 1000, 1), 's'),
        figure('sigkillMaxS', 'SIGKILL -> open elsewhere max', round(kill.max / 1000, 1), 's'),
        figure('sigtermSessions', 'SIGTERM: sessions on the stopped runner', drained.phones.length, ''),
        figure('sigtermAllOpenS', 'SIGTERM -> all open elsewhere', round(term.max / 1000, 1), 's'),
        figure('sigtermP50S', 'SIGTERM -> open elsewhere p50', round(term.p50 / 1000, 1), 's'),
        figure('sigtermGapP99S', 'SIGTERM: per-session offline gap p99', round(gap.p99 / 1000, 1), 's'),
        figure('sigtermDrainS', 'SIGTERM: drain until the process exited', round(drainMs / 1000, 1), 's'),
        figure('overlaps', 'overlapping live sockets (simulator)', overlaps, ''),
      ],
      notes: [],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await stack.close();
  }
}

interface Holding {
  readonly runner: RunnerProcess;
  readonly phones: string[];
}

/** Owner of every seeded session per its record. */
async function owners(stack: MessagingStack): Promise<Map<string, string>> {
  const sessions = new SessionRepository(stack.world.table('sessions'), systemClock);
  const owner = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await sessions.list(stack.tenant.tenantId, { limit: 100, cursor });
    for (const record of page.items) if (record.ownerRunnerId && record.status === 'open') owner.set(record.sessionId, record.ownerRunnerId);
    cursor = page.cursor;
  } while (cursor);
  return owner;
}

async function busiest(stack: MessagingStack): Promise<Holding> {
  const owner = await owners(stack);
  const live = stack.runners.filter((runner) => runner.alive);
  const holdings = live.map((runner) => ({
    runner,
    phones: stack.sessions.filter((s) => owner.get(s.sessionId) === runner.runnerId).map((s) => s.phone),
  }));
  holdings.sort((a, b) => b.phones.length - a.phones.length);
  if (!holdings[0]?.phones.length) throw new Error('no runner holds an open session');
  return holdings[0];
}

/** Waits until every session is open and owned by a live runner (records agree). */
async function settleOwnership(stack: MessagingStack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const owner = await owners(stack);
    const live = new Set(stack.runners.filter((r) => r.alive).map((r) => r.runnerId));
    if (stack.sessions.every((s) => live.has(owner.get(s.sessionId) ?? ''))) return;
    if (Date.now() > deadline) throw new Error('sessions did not settle on live runners');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Per phone: ms from `since` until its device was online again (after having gone offline). */
async function reopenTimes(ctx: BenchContext, phones: readonly string[], since: number): Promise<number[]> {
  const wanted = new Set(phones);
  const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
  for (;;) {
    const reopened = new Map<string, number>();
    const wentOffline = new Set<string>();
    for (const event of ctx.sim.eventsFor(wanted, since)) {
      if (event.state !== 'online') wentOffline.add(event.phone);
      else if (wentOffline.has(event.phone) && !reopened.has(event.phone)) reopened.set(event.phone, event.at - since);
    }
    if (reopened.size === wanted.size) return [...reopened.values()];
    if (Date.now() > deadline) throw new Error(`${wanted.size - reopened.size} of ${wanted.size} sessions not open elsewhere after ${RECOVERY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Per phone: ms its device was offline (first offline -> next online) after `since`. */
function gapsOf(ctx: BenchContext, phones: readonly string[], since: number): number[] {
  const offlineAt = new Map<string, number>();
  const gaps: number[] = [];
  for (const event of ctx.sim.eventsFor(new Set(phones), since)) {
    if (event.state !== 'online' && !offlineAt.has(event.phone)) offlineAt.set(event.phone, event.at);
    else if (event.state === 'online' && offlineAt.has(event.phone)) {
      gaps.push(event.at - offlineAt.get(event.phone)!);
      offlineAt.set(event.phone, Infinity);
    }
  }
  return gaps;
}
