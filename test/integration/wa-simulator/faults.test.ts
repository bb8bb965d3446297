// Faults on demand against the real Baileys client: conflict (440), dropped TCP connection, a silent
// connection that stops answering pings (408), and slow answers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WASocket } from '@whiskeysockets/baileys';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { closeSockets, connectBaileys, createMemoryAuthState, waitForClose } from '../../support/baileys-client.ts';

let sim: WaSimulator;
const sockets: WASocket[] = [];
const connect = async (phoneNumber: string, config = {}) => {
  const socket = await connectBaileys(sim, createMemoryAuthState(), { phoneNumber, config });
  sockets.push(socket);
  return socket;
};

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
});

afterAll(async () => {
  closeSockets(...sockets);
  await sim.stop();
  vi.unstubAllEnvs();
});

describe('faults', () => {
  it('conflict: the live socket is replaced (440) without counting an overlap', async () => {
    const socket = await connect('4915550004001');
    const closed = waitForClose(socket);

    expect(sim.conflict('4915550004001')).toBe(1);

    expect(await closed).toBe(440);
    expect(sim.stats().devices.find((d) => d.phone === '4915550004001')?.overlaps).toBe(0);
  });

  it('drop: the TCP connection dies and Baileys reports the connection closed (428)', async () => {
    const socket = await connect('4915550004002');
    const closed = waitForClose(socket);

    expect(sim.drop('4915550004002:1')).toBe(1);

    expect(await closed).toBe(428);
    await sim.waitForDevice('4915550004002', 'offline');
  });

  it('silence: with no answers, not even to pings, Baileys gives up with 408', async () => {
    const socket = await connect('4915550004003', { keepAliveIntervalMs: 500 });
    const closed = waitForClose(socket, 15_000);

    expect(sim.silence('4915550004003')).toBe(1);

    expect(await closed).toBe(408);
  }, 20_000);

  it('slow: every answer is delayed by the configured time, in order', async () => {
    const socket = await connect('4915550004004');
    sim.setSlow(400);
    try {
      const started = performance.now();
      const [result] = await Promise.all([socket.onWhatsApp('4915550004099'), socket.onWhatsApp('4915550004098')]);
      const elapsed = performance.now() - started;

      expect(result).toEqual([{ jid: '4915550004099@s.whatsapp.net', exists: true }]);
      expect(elapsed).toBeGreaterThanOrEqual(390);
    } finally {
      sim.setSlow(0);
    }
  });

  it('refuses a fault target that is not a phone number', () => {
    expect(() => sim.drop('not-a-phone')).toThrow(/phone number/);
  });
});
