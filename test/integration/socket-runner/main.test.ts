// socket-runner/main.ts as a real process on the emulators: it boots from its environment, reports healthy
// once it holds a slot, claims sessions, and on SIGTERM hands them all back and exits 0; a bad
// configuration exits 2 with one line. Baileys points at a closed port: hosting is not under test here.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../core/aws/tables.ts';
import { systemClock } from '../../../core/clock.ts';
import { DEFAULT_PACING } from '../../../core/domain/session.ts';
import { newId } from '../../../core/ids.ts';
import { SessionRepository } from '../../../core/sessions/session-repository.ts';
import { sessionLeaseKey, slotLeaseKey } from '../../../socket-runner/lease/lease-records.ts';
import { LeaseStore } from '../../../socket-runner/lease/lease-store.ts';
import { RunnerRegistry } from '../../../socket-runner/lease/runner-registry.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

const TSX = import.meta.resolve('tsx');
const MAIN = new URL('../../../socket-runner/main.ts', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  return port;
}

interface RunnerProcess {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

function spawnRunner(env: Record<string, string>): RunnerProcess {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stderr: () => stderr, exited };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('socket-runner/main.ts as a process', () => {
  let aws: AwsFixture;
  let leases: LeaseStore;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    leases = new LeaseStore(openTable(aws.clients.doc, 'leases', aws.env));
  });
  afterAll(() => aws.close());

  it('boots healthy, claims sessions, and on SIGTERM hands them all back and exits 0', async () => {
    const sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), systemClock);
    const ids = [newId(), newId()];
    for (const sessionId of ids) await sessions.create({ tenantId: 'tenant-main', sessionId, pacing: DEFAULT_PACING });
    const healthPort = await freePort();
    const runner = spawnRunner({
      ...aws.env,
      RUNNER_ID: 'process-a',
      HEALTH_PORT: String(healthPort),
      LOG_LEVEL: 'ERROR',
      WA_WEB_SOCKET_URL: 'ws://127.0.0.1:9/ws/chat',
      LEASE_DURATION_MS: '4000',
      LEASE_RENEW_MS: '500',
      LEASE_SELF_FENCE_MS: '2000',
      DYNAMODB_REQUEST_TIMEOUT_MS: '1500',
      PLACEMENT_INTERVAL_MS: '200',
      HEARTBEAT_MS: '500',
      RUNNER_TTL_MS: '2000',
      DRAIN_BUDGET_MS: '10000',
    });
    try {
      await until('GET /health = 200', async () => (await fetch(`http://127.0.0.1:${healthPort}/health`)).status === 200, 30_000);
      const health = (await (await fetch(`http://127.0.0.1:${healthPort}/health`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({ runnerId: 'process-a', slot: 0, slotHeld: true });
      await until('both sessions claimed', async () => {
        const owners = await Promise.all(ids.map(async (id) => (await leases.read(sessionLeaseKey('tenant-main', id)))?.owner));
        return owners.every((owner) => owner === 'process-a');
      });
      expect((await new RunnerRegistry(openTable(aws.clients.doc, 'leases', aws.env), systemClock, 2_000).live()).map((r) => r.runnerId)).toEqual(['process-a']);

      runner.child.kill('SIGTERM');
      expect(await runner.exited).toBe(0);
      for (const id of ids) {
        const lease = await leases.read(sessionLeaseKey('tenant-main', id));
        expect(lease?.epoch).toBe(1);
        expect(lease?.owner).toBeUndefined();
        expect((await sessions.get('tenant-main', id))?.ownerRunnerId).toBeUndefined();
      }
      expect((await leases.read(slotLeaseKey(0)))?.owner).toBeUndefined();
      expect(await new RunnerRegistry(openTable(aws.clients.doc, 'leases', aws.env), systemClock, 2_000).live()).toEqual([]);
    } finally {
      runner.child.kill('SIGKILL');
    }
  });

  it('exits 2 with one line when its configuration is bad', async () => {
    const runner = spawnRunner({ ...aws.env, LEASE_SELF_FENCE_MS: '60000' });
    expect(await runner.exited).toBe(2);
    expect(runner.stderr().trim().split('\n')).toEqual(['socket-runner: invalid configuration: LEASE_SELF_FENCE_MS: must be below LEASE_DURATION_MS']);
  });
});
