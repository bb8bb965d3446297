import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../../core/logger.ts';
import { RunnerFleet, type RunnerFleetOptions } from '../../../../local/runners/runner-fleet.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const fakeRunner = fileURLToPath(new URL('../fixtures/fake-runner.mjs', import.meta.url));
const tsx = import.meta.resolve('tsx');
const logger = createLogger('fleet-test');

describe('RunnerFleet', () => {
  let fleet: RunnerFleet | undefined;
  const startFleet = async (overrides: Partial<RunnerFleetOptions> & { env?: Record<string, string> } = {}) => {
    fleet = new RunnerFleet({
      count: 2,
      restart: true,
      logger,
      output: 'ignore',
      restartDelayMs: { base: 50, max: 200 },
      stopGraceMs: 2_000,
      ...overrides,
      command: { imports: [tsx], entry: fakeRunner, cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...overrides.env } },
    });
    await fleet.start();
    await expect.poll(async () => (await fleet!.probe()).every((r) => r.healthy), { timeout: 10_000, interval: 50 }).toBe(true);
    return fleet;
  };
  afterEach(async () => {
    await fleet?.stop();
    fleet = undefined;
  });

  it('runs each runner as its own process with its own RUNNER_ID and HEALTH_PORT', async () => {
    const runners = (await startFleet()).runners();
    expect(runners).toHaveLength(2);
    expect(new Set(runners.map((r) => r.runnerId)).size).toBe(2);
    expect(new Set(runners.map((r) => r.healthPort)).size).toBe(2);
    const answer = await fetch(`http://127.0.0.1:${runners[0]!.healthPort}/health`).then((res) => res.json());
    expect(answer).toEqual({ runnerId: runners[0]!.runnerId });
    // Each leads its own process group, so a terminal's Ctrl-C reaches the stack and not the runners directly.
    for (const runner of runners) expect(() => process.kill(-runner.pid!, 0)).not.toThrow();
  });

  it('replaces a runner that dies, with a fresh id, leaving the other alone', async () => {
    const running = await startFleet();
    const [victim, bystander] = running.runners();
    process.kill(victim!.pid!, 'SIGKILL');

    await expect.poll(() => running.runners()[0]!.restarts, { timeout: 5_000, interval: 20 }).toBe(1);
    await expect.poll(async () => (await running.probe())[0]!.healthy, { timeout: 10_000, interval: 50 }).toBe(true);
    const [replacement, same] = running.runners();
    expect(replacement!.runnerId).not.toBe(victim!.runnerId);
    expect(replacement!.pid).not.toBe(victim!.pid);
    expect(replacement!.lastExit).toMatchObject({ signal: 'SIGKILL' });
    expect(same).toMatchObject({ pid: bystander!.pid, restarts: 0 });
  });

  it('leaves a dead runner down when restarts are off', async () => {
    const running = await startFleet({ count: 1, restart: false });
    process.kill(running.runners()[0]!.pid!, 'SIGKILL');
    await expect.poll(() => running.runners()[0]!.phase, { timeout: 5_000, interval: 20 }).toBe('exited');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await running.probe())[0]).toMatchObject({ healthy: false, restarts: 0 });
  });

  it('stops runners with SIGTERM, and SIGKILLs one that outlives the grace period', async () => {
    const running = await startFleet({ env: { FAKE_IGNORE_SIGTERM: 'true' }, stopGraceMs: 300 });
    const started = Date.now();
    await running.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(running.runners().map((r) => [r.phase, r.lastExit?.signal])).toEqual([
      ['stopped', 'SIGKILL'],
      ['stopped', 'SIGKILL'],
    ]);

    const polite = await startFleet({ count: 1, stopGraceMs: 5_000 });
    await polite.stop();
    expect(polite.runners()[0]).toMatchObject({ phase: 'stopped', lastExit: { code: 0, signal: null } });
  });

  it('gives an orphaned runner SIGTERM when the stack\'s IPC channel closes', async () => {
    const child = spawn(process.execPath, ['--import', tsx, '--import', fileURLToPath(new URL('../../../../local/runners/parent-watch.ts', import.meta.url)), '-e', 'process.on("SIGTERM", () => { console.log("sigterm"); process.exit(0); }); console.log("ready"); setInterval(() => {}, 1000);'], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await expect.poll(() => out, { timeout: 20_000, interval: 20 }).toContain('ready'); // preloads done
      child.disconnect();
      expect(await exited).toBe(0);
      expect(out).toContain('sigterm');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
