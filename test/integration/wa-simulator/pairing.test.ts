// The real Baileys client against the simulator: QR pairing, pairing code, login, the second-login conflict
// (440, counted as an overlap) and device removal (401).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import {
  ConnectFailedError,
  closeSockets,
  connectBaileys,
  createMemoryAuthState,
  openSocket,
  waitForClose,
  waitForEvent,
} from '../../support/baileys-client.ts';
import type { WASocket } from '@whiskeysockets/baileys';

let sim: WaSimulator;
const sockets: WASocket[] = [];
const track = (socket: WASocket) => (sockets.push(socket), socket);

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
});

afterAll(async () => {
  closeSockets(...sockets);
  await sim.stop();
  vi.unstubAllEnvs();
});

describe('QR pairing', () => {
  it('emits a QR, pairs on scan, restarts with 515 and opens as the paired device', async () => {
    // Prepare
    const auth = createMemoryAuthState();
    const first = openSocket(sim, auth);
    const qrUpdate = await waitForEvent(first, 'connection.update', (u) => Boolean(u.qr));

    // Act
    const closed = waitForClose(first);
    const paired = await sim.scan(qrUpdate.qr ?? '', '+4915550000001');
    const status = await closed;
    const second = track(await connectBaileys(sim, auth));

    // Assess
    expect(qrUpdate.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#[^,]+,[^,]+,[^,]+,[^,]+,/);
    expect(status).toBe(515);
    expect(paired).toEqual({ jid: '4915550000001:1@s.whatsapp.net', lid: expect.stringMatching(/^[0-9]{15}:1@lid$/), deviceId: 1 });
    expect(auth.state.creds.me).toMatchObject({ id: paired.jid, lid: paired.lid });
    expect(second.user?.id).toBe(paired.jid);
    await sim.waitForDevice('4915550000001', 'online');
    expect(auth.keys.get('pre-key')?.size).toBeGreaterThanOrEqual(812);
    expect(sim.stats().devices.find((d) => d.jid === paired.jid)).toMatchObject({ logins: 1, live: 1, overlaps: 0 });
  });

  it('refuses a QR whose ref no connection is showing', async () => {
    await expect(sim.scan('https://wa.me/settings/linked_devices#nope,a,b,c,d', '4915550000009')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('pairing code', () => {
  it('pairs when the phone enters the code Baileys requested, and refuses a wrong code', async () => {
    // Prepare: wait for the registration stage (the QR), then ask for a code instead of scanning.
    const auth = createMemoryAuthState();
    let code = '';
    const connecting = connectBaileys(sim, auth, {
      onQr: async (_qr, socket) => {
        code = await socket.requestPairingCode('4915550000002');
        await sim.enterPairingCode('4915550000002', code);
      },
    });
    const wrongAuth = createMemoryAuthState();
    const wrong = connectBaileys(sim, wrongAuth, {
      onQr: async (_qr, socket) => {
        await socket.requestPairingCode('4915550000003');
        await sim.enterPairingCode('4915550000003', 'AAAAAAAA');
      },
    }).then(track, (error: unknown) => error);

    // Act
    const socket = track(await connecting);

    // Assess
    expect(code).toMatch(/^[0-9A-Z]{8}$/);
    expect(socket.user?.id).toBe('4915550000002:1@s.whatsapp.net');
    expect(await wrong).toMatchObject({ code: 'pairing_code_mismatch' });
  });
});

describe('login', () => {
  it('replaces the older socket with 440 when the same device logs in again, and counts the overlap', async () => {
    // Prepare
    const auth = createMemoryAuthState();
    const older = track(await connectBaileys(sim, auth, { phoneNumber: '4915550000004' }));
    const olderClosed = waitForClose(older);

    // Act
    const newer = track(await connectBaileys(sim, auth));

    // Assess
    expect(await olderClosed).toBe(440);
    expect(newer.user?.id).toBe('4915550000004:1@s.whatsapp.net');
    const device = sim.stats().devices.find((d) => d.phone === '4915550000004');
    expect(device).toMatchObject({ logins: 2, overlaps: 1, maxLive: 2 });
    await expect.poll(() => sim.stats().devices.find((d) => d.phone === '4915550000004')?.live).toBe(1);
  });

  it('does not count an overlap when the first socket closed before the second logged in', async () => {
    const auth = createMemoryAuthState();
    const first = await connectBaileys(sim, auth, { phoneNumber: '4915550000005' });
    const closed = waitForClose(first);
    first.end(undefined);
    await closed;
    await sim.waitForDevice('4915550000005', 'offline');

    track(await connectBaileys(sim, auth));

    expect(sim.stats().devices.find((d) => d.phone === '4915550000005')).toMatchObject({ logins: 2, overlaps: 0 });
  });

  it('closes with 401 when the phone removes the device, and refuses its next login with 401', async () => {
    // Prepare
    const auth = createMemoryAuthState();
    const socket = track(await connectBaileys(sim, auth, { phoneNumber: '4915550000006' }));
    const closed = waitForClose(socket);

    // Act
    const removed = sim.logout('4915550000006');

    // Assess
    expect(removed).toBe(1);
    expect(await closed).toBe(401);
    await sim.waitForDevice('4915550000006', 'removed');
    await expect(connectBaileys(sim, auth)).rejects.toEqual(new ConnectFailedError(401));
  });

  it('marks the device removed when the client logs itself out', async () => {
    const auth = createMemoryAuthState();
    const socket = track(await connectBaileys(sim, auth, { phoneNumber: '4915550000007' }));

    await socket.logout();

    await sim.waitForDevice('4915550000007', 'removed');
    await expect(connectBaileys(sim, auth)).rejects.toEqual(new ConnectFailedError(401));
  });

  it('refuses a login whose noise key is not the paired device key', async () => {
    const auth = createMemoryAuthState();
    track(await connectBaileys(sim, auth, { phoneNumber: '4915550000008' }));
    const impostor = createMemoryAuthState();
    impostor.state.creds.me = { ...auth.state.creds.me, id: auth.state.creds.me?.id ?? '' };

    await expect(connectBaileys(sim, impostor)).rejects.toEqual(new ConnectFailedError(401));
    expect(sim.stats().devices.find((d) => d.phone === '4915550000008')?.overlaps).toBe(0);
  });
});
