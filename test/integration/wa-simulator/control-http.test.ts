// The simulator's HTTP control API, used the way a demo or another process would: pairing through
// POST /sim/scan, statistics, inbound messages, received messages, faults, and 4xx answers to bad input.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WASocket } from '@whiskeysockets/baileys';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { closeSockets, connectBaileys, createMemoryAuthState, waitForClose, waitForEvent } from '../../support/baileys-client.ts';

const ACCOUNT = '4915550005001';
let sim: WaSimulator;
let socket: WASocket;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${sim.controlUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
  // Pair through the HTTP API: the QR goes to POST /sim/scan instead of the in-process method.
  const auth = createMemoryAuthState();
  socket = await connectBaileys(sim, auth, {
    onQr: async (qr) => {
      const { status, json } = await call('POST', '/sim/scan', { qr, phoneNumber: `+${ACCOUNT}` });
      if (status !== 200) throw new Error(`scan failed: ${JSON.stringify(json)}`);
    },
  });
});

afterAll(async () => {
  closeSockets(socket);
  await sim.stop();
  vi.unstubAllEnvs();
});

describe('control API', () => {
  it('pairs through POST /sim/scan and reports the device in GET /sim/stats', async () => {
    const { status, json } = await call('GET', '/sim/stats');

    expect(socket.user?.id).toBe(`${ACCOUNT}:1@s.whatsapp.net`);
    expect(status).toBe(200);
    expect(json.totals).toMatchObject({ pairings: 1, logins: 1, overlaps: 0 });
    expect(json.devices).toEqual([expect.objectContaining({ phone: ACCOUNT, deviceId: 1, state: 'online', live: 1, overlaps: 0 })]);
  });

  it('serves the root key, the WebSocket URL and a cheap health answer', async () => {
    const { status, json } = await call('GET', '/sim/root-key');

    expect(status).toBe(200);
    expect(json).toEqual({ rootPublicKey: sim.rootPublicKey.toString('base64'), url: sim.url });
    expect(await call('GET', '/sim/health')).toEqual({ status: 200, json: { ok: true, connections: { open: 1, registering: 0, authenticated: 1 } } });
  });

  it('delivers POST /sim/inbound to the device and lists what a contact received', async () => {
    const upsert = waitForEvent(socket, 'messages.upsert', (u) => u.type === 'notify');
    const inbound = await call('POST', '/sim/inbound', { from: '4915550006001', to: ACCOUNT, text: 'via http' });
    expect((await upsert).messages[0]?.message?.conversation).toBe('via http');

    await socket.sendMessage('4915550006001@s.whatsapp.net', { text: 'reply via baileys' });
    await expect.poll(async () => (await call('GET', '/sim/received?to=4915550006001')).json.messages).toEqual([
      expect.objectContaining({ text: 'reply via baileys', from: `${ACCOUNT}:1@s.whatsapp.net` }),
    ]);
    expect(inbound).toEqual({ status: 200, json: { id: expect.any(String), devices: 1, types: ['pkmsg'] } });
  });

  it('marks numbers as not on WhatsApp', async () => {
    expect((await call('POST', '/sim/contacts/not-on-whatsapp', { numbers: ['4915550006098'] })).status).toBe(200);

    expect(await socket.onWhatsApp('4915550006098', '4915550006097')).toEqual([{ jid: '4915550006097@s.whatsapp.net', exists: true }]);
  });

  it('answers 4xx JSON errors for bad input', async () => {
    expect(await call('POST', '/sim/scan', { qr: 'short', phoneNumber: 'abc' })).toMatchObject({
      status: 400,
      json: { error: { code: 'validation_failed', details: expect.arrayContaining([expect.objectContaining({ path: 'phoneNumber' })]) } },
    });
    expect(await call('POST', '/sim/inbound', '{not json')).toMatchObject({ status: 400, json: { error: { code: 'invalid_json' } } });
    expect(await call('POST', '/sim/scan', { qr: 'https://wa.me/settings/linked_devices#gone,a,b,c,d', phoneNumber: ACCOUNT })).toMatchObject({ status: 404 });
    expect(await call('GET', '/sim/received?to=x')).toMatchObject({ status: 400 });
    expect(await call('POST', '/sim/devices/12ab/drop')).toMatchObject({ status: 400 });
    expect(await call('GET', '/sim/scan')).toMatchObject({ status: 405, json: { error: { code: 'method_not_allowed' } } });
    expect(await call('GET', '/sim/nothing-here')).toMatchObject({ status: 404, json: { error: { code: 'not_found' } } });
    expect(await call('POST', '/sim/inbound', { from: '4915550006002', to: '4915550006999', text: 'nobody' })).toMatchObject({ status: 404 });
  });

  it('injects faults per device and waits for device states', async () => {
    const closed = waitForClose(socket);

    const conflict = await call('POST', `/sim/devices/${ACCOUNT}/conflict`);
    const offline = await call('GET', `/sim/devices/${ACCOUNT}/wait?state=offline&timeoutMs=5000`);

    expect(conflict).toEqual({ status: 200, json: { affected: 1 } });
    expect(await closed).toBe(440);
    expect(offline).toMatchObject({ status: 200, json: { phone: ACCOUNT, deviceId: 1, state: 'offline' } });
    expect(await call('GET', `/sim/devices/${ACCOUNT}/wait?state=online&timeoutMs=50`)).toMatchObject({ status: 408 });
  });
});
