import { afterEach, describe, expect, it } from 'vitest';
import { sessionStatuses, type SessionStatus } from '../../../../core/domain/session.ts';
import { runnerHealth, startHealthServer, type HealthServer } from '../../../../socket-runner/health/health-server.ts';
import { silentLogger } from '../session/fakes.ts';

function sources(state: { ready: boolean; running: boolean }) {
  const counts = Object.fromEntries(sessionStatuses.map((s) => [s, 0])) as Record<SessionStatus, number>;
  counts.open = 2;
  counts.qr = 1;
  return {
    ownership: { runnerId: 'runner-1', ready: () => state.ready, slot: () => (state.ready ? 3 : undefined) },
    loop: { isRunning: () => state.running },
    host: { statusCounts: () => counts, size: () => 3 },
  };
}

describe('health endpoint', () => {
  let server: HealthServer | undefined;
  afterEach(async () => server?.close());

  it('answers 200 with counts while the slot is held and the loop runs, 503 otherwise', async () => {
    const state = { ready: true, running: true };
    server = await startHealthServer({ port: 0, host: '127.0.0.1', report: runnerHealth(sources(state)), logger: silentLogger });
    const url = `http://127.0.0.1:${server.port}/health`;

    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', runnerId: 'runner-1', slot: 3, sessions: { total: 3, byStatus: { open: 2, qr: 1 } } });

    state.running = false;
    const loopDown = await fetch(url);
    expect(loopDown.status).toBe(503);
    expect(await loopDown.json()).toMatchObject({ status: 'unavailable', commandLoop: 'stopped' });

    state.running = true;
    state.ready = false;
    expect((await fetch(url)).status).toBe(503);
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });

  it('answers 503 when the report itself fails', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      report: () => {
        throw new Error('boom');
      },
      logger: silentLogger,
    });
    expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).toBe(503);
  });
});
