import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/logger.ts';
import { readLocalConfig } from '../../../local/config.ts';
import { freePort } from '../../../local/http-listener.ts';
import { startStack } from '../../../local/stack.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `npm start` as a real process (node + the tsx loader, as `tsx local/main.ts` runs it). */
function npmStart(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'local/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOCAL_RUNNERS: '0', LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'wa-fleet-main-'));

describe('npm start (local/main.ts)', () => {
  it('answers /health 200, then stops cleanly on SIGTERM', async () => {
    const dataDir = tempDir();
    const started = Date.now();
    const run = npmStart({ PORT: '0', DATA_DIR: dataDir });

    await expect.poll(() => run.output().stdout, { timeout: 60_000, interval: 100 }).toContain('local stack is up');
    const apiUrl = /API\s+(http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(run.output().stdout)?.[1];
    const health = await fetch(`${apiUrl}/health`);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.output().stdout).toMatch(/curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/v1\/tenants/);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'stack.pid'))).toBe(false);
  });

  it('exits 1 with one line naming PORT when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = npmStart({ PORT: String(port), DATA_DIR: tempDir() });
      expect(await run.exited).toBe(1);
      const { stderr } = run.output();
      expect(stderr).toBe(`wa-fleet: the API: port ${port} is already in use; set PORT to a free port (0 = any free port)\n`);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 with one line naming DATA_DIR when the data directory cannot be written', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const run = npmStart({ PORT: '0', DATA_DIR: join(file, 'data') });
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^wa-fleet: the data directory .+ is not writable \(ENOTDIR\); set DATA_DIR to a writable directory\n$/);
  });
});

describe('npm run runner (local/join-runner.ts)', () => {
  it('starts a real runner against the running stack, and stops it with one SIGTERM', async () => {
    const dataDir = tempDir();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    const config = readLocalConfig({ PORT: '0', DATA_DIR: dataDir, LOCAL_RUNNERS: '0', LOG_LEVEL: 'SILENT' });
    const stack = await startStack({ config, logger: createLogger('join-test'), env, functions: {} });
    try {
      const healthPort = await freePort();
      const joiner = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'local/join-runner.ts'], {
        cwd: repoRoot,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, HEALTH_PORT: String(healthPort), RUNNER_ID: 'joined-test', LOG_LEVEL: 'ERROR' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      const exited = new Promise<number | null>((resolve) => joiner.once('exit', resolve));
      try {
        const health = async () => {
          const res = await fetch(`http://127.0.0.1:${healthPort}/health`).catch(() => undefined);
          return res?.ok ? ((await res.json()) as { runnerId?: string }) : undefined;
        };
        await expect.poll(health, { timeout: 45_000, interval: 250 }).toMatchObject({ runnerId: 'joined-test' });

        joiner.kill('SIGTERM');
        expect(await exited).toBe(0); // the runner drained and exited 0, and the joiner with it
      } finally {
        if (joiner.exitCode === null && joiner.signalCode === null) joiner.kill('SIGKILL');
      }
    } finally {
      await stack.close();
    }
  });

  it('exits 1 with one line when no stack runs on the data directory', async () => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), 'local/join-runner.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, DATA_DIR: tempDir() },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^wa-fleet: no running stack found in .+ \(stack\.json missing\); start one with `npm start`.*\n$/);
  });
});
