/**
 * Scenarios 1-3 on one ladder of idle sessions, against the same simulator (its own process):
 * 1. memory per connected idle session at each N, in one runner and in a bare-Baileys process;
 * 2. capacity: RSS and event-loop delay p99 of one runner holding `capacityN` sessions;
 * 3. bring-up from stored credentials: sessions per second at the start concurrency used, and drops.
 * Per-session memory is the marginal cost: RSS after N more sessions minus RSS with a few warm-up
 * sessions (so one-time lazy initialisation is not charged per session), divided by N, each read after a
 * settle period and three full GCs.
 */
import type { BenchContext } from '../bench-context.ts';
import { figure, type Figure, type ScenarioResult } from '../report/results.ts';
import { startAwsWorld } from '../support/aws-world.ts';
import { BaileysFleet } from '../support/baileys-fleet.ts';
import { ensurePaired } from '../support/credentials-fixture.ts';
import { RunnerProcess } from '../support/runner-process.ts';
import { seedSessions, UNPACED } from '../support/seed.ts';
import { MB, round } from '../support/stats.ts';

/** A step's bring-up may take this long per new session (0.67/s) before the ladder stops there. */
const BRING_UP_MS_PER_SESSION = 1_500;
/** RSS moves by this much between readings with nothing happening: a smaller total delta is not a figure. */
const RSS_NOISE_MB = 10;

interface Step {
  readonly n: number;
  readonly perSessionMB: number;
  readonly heapPerSessionMB: number;
  readonly rssMB: number;
}

interface Reading {
  readonly rss: number;
  /** V8 heap used + external memory (Buffers): steadier than RSS, blind to native allocations. */
  readonly heap: number;
}

/** Median of three readings, each after full GCs, half a second apart: RSS moves as V8 returns pages. */
async function reading(read: () => Promise<NodeJS.MemoryUsage>): Promise<Reading> {
  const readings: Reading[] = [];
  for (let i = 0; i < 3; i++) {
    const memory = await read();
    readings.push({ rss: memory.rss, heap: memory.heapUsed + memory.external });
    await sleep(500);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
  return { rss: median(readings.map((r) => r.rss)), heap: median(readings.map((r) => r.heap)) };
}

function step(n: number, base: Reading, now: Reading): Step {
  return { n, perSessionMB: (now.rss - base.rss) / n / MB, heapPerSessionMB: (now.heap - base.heap) / n / MB, rssMB: now.rss / MB };
}

export async function memoryLadder(ctx: BenchContext): Promise<ScenarioResult[]> {
  const { sizes } = ctx;
  const started = performance.now();
  const ladder = [...new Set([...sizes.memoryN, sizes.capacityN])].sort((a, b) => a - b);
  const total = sizes.warmSessions + ladder.at(-1)!;
  const { phones } = await ensurePaired(ctx.sim, ctx.fixture, total, { concurrency: 4, log: ctx.log });
  const warm = phones.slice(0, sizes.warmSessions);
  const batches = ladder.map((n, i) => phones.slice(sizes.warmSessions + (ladder[i - 1] ?? 0), sizes.warmSessions + n));

  // --- bare Baileys ------------------------------------------------------------------------------------
  ctx.log(`bare Baileys: ${warm.length} warm-up sockets, then ${sizes.memoryN.join(', ')}`);
  const bare = new Map<number, Step>();
  const fleet = BaileysFleet.start(ctx.sim);
  try {
    await fleet.hold(warm, ctx.fixture.authDir, sizes.startConcurrency);
    await sleep(sizes.settleMs);
    const base = await reading(() => fleet.memory(0));
    for (const [i, n] of ladder.entries()) {
      if (!sizes.memoryN.includes(n) && n > Math.max(...sizes.memoryN)) break;
      const held = await fleet.hold(batches[i]!, ctx.fixture.authDir, sizes.startConcurrency);
      if (held.failed.length) throw new Error(`bare Baileys: ${held.failed.length} sockets did not open`);
      await sleep(sizes.settleMs);
      bare.set(n, step(n, base, await reading(() => fleet.memory(0))));
      ctx.log(`  bare N=${n}: ${round(bare.get(n)!.perSessionMB)} MB/session RSS, ${round(bare.get(n)!.heapPerSessionMB)} MB heap+external (RSS ${round(bare.get(n)!.rssMB, 0)} MB)`);
    }
  } finally {
    await fleet.stop();
  }
  await waitOffline(ctx, phones.slice(0, total));

  // --- one runner ------------------------------------------------------------------------------------
  const world = await startAwsWorld({ slotCount: 2 });
  const runnerSteps = new Map<number, Step>();
  const bringUps: { n: number; newSessions: number; ratePerSec: number; allOpenS: number; drops: number; complete: boolean }[] = [];
  let capacity: { rssMB: number; heapMB: number; eventLoopP99Ms: number; eventLoopMaxMs: number; open: number } | undefined;
  const notes: string[] = [];
  const runner = await RunnerProcess.spawn({
    runnerId: 'bench-memory',
    env: { ...world.env, ...ctx.sim.runnerEnv(), START_CONCURRENCY: String(sizes.startConcurrency), START_RATE_PER_SEC: '1000' },
    logFile: ctx.logFile('memory-runner'),
    bundle: await ctx.runnerBundle(),
  });
  try {
    await seedSessions(world, { tenantId: 'bench', phones: warm, authDir: ctx.fixture.authDir, pacing: UNPACED, keys: 'creds' });
    await runner.waitReady();
    await ctx.sim.waitAllOnline(warm, 120_000);
    await sleep(sizes.settleMs);
    const base = await reading(async () => (await runner.probe({ gc: true })).memory);
    ctx.log(`runner: baseline with ${warm.length} warm sessions, RSS ${round(base.rss / MB, 0)} MB`);
    const everyone = new Set(phones.slice(0, total));
    for (const [i, n] of ladder.entries()) {
      const batch = batches[i]!;
      const since = Date.now();
      await seedSessions(world, { tenantId: 'bench', phones: batch, authDir: ctx.fixture.authDir, pacing: UNPACED, keys: 'creds' });
      const seededAt = Date.now();
      const complete = await ctx.sim
        .waitAllOnline(batch, Math.max(120_000, batch.length * BRING_UP_MS_PER_SESSION))
        .then(() => true)
        .catch((error: unknown) => {
          notes.push(`step to N=${n}: ${(error as Error).message}; the ladder stops here`);
          return false;
        });
      const batchSet = new Set(batch);
      const online = ctx.sim.eventsFor(batchSet, since).filter((e) => e.state === 'online').map((e) => e.at);
      const drops = ctx.sim.eventsFor(everyone, since).filter((e) => e.state !== 'online').length;
      const first = Math.min(...online);
      const last = Math.max(...online);
      bringUps.push({
        n,
        newSessions: batch.length,
        ratePerSec: complete && batch.length > 1 ? (batch.length - 1) / ((last - first) / 1000) : NaN,
        allOpenS: complete ? (last - seededAt) / 1000 : NaN,
        drops,
        complete,
      });
      await sleep(sizes.settleMs);
      if (complete) runnerSteps.set(n, step(n, base, await reading(async () => (await runner.probe({ gc: true })).memory)));
      await runner.probe({ resetDelay: true });
      const r = runnerSteps.get(n);
      ctx.log(`  runner N=${n}: ${r ? `${round(r.perSessionMB)} MB/session RSS, ${round(r.heapPerSessionMB)} MB heap+external (RSS ${round(r.rssMB, 0)} MB), ` : 'incomplete, '}bring-up ${round(bringUps.at(-1)!.ratePerSec, 1)}/s, drops ${drops}`);
      if (n === sizes.capacityN || !complete) {
        await sleep(sizes.delayWindowMs);
        const window = await runner.probe({ gc: false });
        const health = await runner.health();
        capacity = {
          rssMB: window.memory.rss / MB,
          heapMB: window.memory.heapUsed / MB,
          eventLoopP99Ms: window.eventLoopDelayMs.p99,
          eventLoopMaxMs: window.eventLoopDelayMs.max,
          open: health?.sessions.byStatus.open ?? 0,
        };
        if (!complete) break;
      }
    }
  } finally {
    await runner.stop(60_000);
    await world.close();
  }

  const seconds = (performance.now() - started) / 1000;
  const memoryFigures: Figure[] = [];
  for (const n of sizes.memoryN) {
    const r = runnerSteps.get(n);
    const b = bare.get(n);
    memoryFigures.push(
      figure(`runnerMBPerSession.n${n}`, `runner, N=${n}: RSS per session`, r && round(r.perSessionMB), 'MB'),
      figure(`bareMBPerSession.n${n}`, `bare Baileys, N=${n}: RSS per session`, b && round(b.perSessionMB), 'MB'),
      figure(`ratio.n${n}`, `ratio runner / bare, N=${n}`, r && b && resolvable(r, n) && resolvable(b, n) ? round(r.perSessionMB / b.perSessionMB) : null, 'x'),
      figure(`runnerHeapMBPerSession.n${n}`, `runner, N=${n}: V8 heap + external per session`, r && round(r.heapPerSessionMB), 'MB'),
      figure(`bareHeapMBPerSession.n${n}`, `bare Baileys, N=${n}: V8 heap + external per session`, b && round(b.heapPerSessionMB), 'MB'),
    );
  }
  const unresolved = sizes.memoryN.filter((n) => [runnerSteps.get(n), bare.get(n)].some((step) => step && !resolvable(step, n)));
  const method = [
    `RSS delta per session after ${sizes.settleMs / 1000} s settle, median of 3 readings each after 3 full GCs (--expose-gc), marginal over a baseline with ${sizes.warmSessions} warm-up sessions (heap + external shown too: steadier, blind to native memory);`,
    'the same simulator (own process) and the same paired devices for both; bare Baileys keeps creds in memory and reads keys from files on demand (like useMultiFileAuthState), the runner keeps them in DynamoDB (dynalite) with its LRU;',
    "both fold Baileys' per-socket AsyncLocalStorage into one (socket-runner/whatsapp/shared-async-context.ts; as shipped it taxes every promise once per socket ever made, bare Baileys included), so the ratio is the runner's hosting overhead alone;",
    `runner: the bundle the container image ships (infra/runner-bundle.ts) run by plain node as the image's CMD runs it, START_CONCURRENCY=${sizes.startConcurrency}, START_RATE_PER_SEC=1000 (uncapped), production lease timings; sessions seeded from the credentials fixture (creds item; idle sessions never read their prekeys).`,
  ];
  const last = [...bringUps].filter((b) => b.complete).sort((a, b) => b.newSessions - a.newSessions)[0];
  return [
    {
      id: 'memory',
      title: '1. Memory per idle session',
      method,
      figures: memoryFigures,
      notes: unresolved.map((n) => `N=${n}: the RSS growth is within the ${RSS_NOISE_MB} MB noise of a reading, so no ratio is given (run the full benchmark)`),
      seconds,
    },
    {
      id: 'capacity',
      title: `2. Capacity: ${sizes.capacityN} sessions in one runner`,
      method: [`RSS (no forced GC) and event-loop delay (monitorEventLoopDelay, 10 ms resolution) over a ${sizes.delayWindowMs / 1000} s idle window after settling; every session renews its lease every 5 s.`],
      figures: [
        figure('sessions', 'sessions asked of the runner', sizes.capacityN + sizes.warmSessions, ''),
        figure('openSessions', 'sessions open in the runner (its health report)', capacity?.open, ''),
        figure('openShare', 'share open', capacity && round(capacity.open / (sizes.capacityN + sizes.warmSessions), 3), ''),
        figure('rssMB', 'runner RSS', capacity && round(capacity.rssMB, 0), 'MB'),
        figure('heapMB', 'runner heap used', capacity && round(capacity.heapMB, 0), 'MB'),
        figure('eventLoopP99Ms', 'event-loop delay p99', capacity && round(capacity.eventLoopP99Ms, 1), 'ms'),
        figure('eventLoopMaxMs', 'event-loop delay max', capacity && round(capacity.eventLoopMaxMs, 1), 'ms'),
      ],
      notes,
      seconds,
    },
    {
      id: 'bringup',
      title: '3. Bring-up from stored credentials',
      method: [
        `new runnable sessions (creds in DynamoDB) claimed by one runner at START_CONCURRENCY=${sizes.startConcurrency}, rate uncapped; rate = (n-1) / (last open - first open) at the simulator; a drop = any device of the ladder going offline during the step.`,
      ],
      figures: [
        ...bringUps.flatMap((b) => [
          figure(`rate.n${b.n}`, `step to N=${b.n}: ${b.newSessions} sessions`, round(b.ratePerSec, 1), '/s'),
          figure(`allOpenS.n${b.n}`, `step to N=${b.n}: records written -> all open`, round(b.allOpenS, 1), 's'),
          figure(`drops.n${b.n}`, `step to N=${b.n}: drops`, b.drops, ''),
        ]),
        figure('startConcurrency', 'start concurrency used', sizes.startConcurrency, ''),
        figure('ratePerSecNoDrops', `largest step (${last?.newSessions ?? 0} sessions), rate if no drops`, last ? (last.drops === 0 ? round(last.ratePerSec, 1) : 0) : null, '/s'),
      ],
      notes: ['The runner default START_RATE_PER_SEC=5 caps claims at 5/s per runner; this measures what the start concurrency sustains with the cap lifted.'],
      seconds,
    },
  ];
}

/** True when N sessions moved RSS by more than the noise of a reading. */
function resolvable(step: Step, n: number): boolean {
  return step.perSessionMB * n > RSS_NOISE_MB;
}

async function waitOffline(ctx: BenchContext, phones: readonly string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (phones.some((phone) => ctx.sim.onlinePhones.has(phone)) && Date.now() < deadline) await sleep(100);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
