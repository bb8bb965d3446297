// A simulator restarted on the same state directory still recognises paired sessions: same root key (runners
// keep their trust anchor), the device logs in without a new QR, and contacts keep their Signal sessions and
// the device's uploaded prekeys.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATE_FILE } from '../../../local/wa-simulator/persistence.ts';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { closeSockets, connectBaileys, createMemoryAuthState, waitForClose, waitForEvent } from '../../support/baileys-client.ts';

const ACCOUNT = '4915550007001';
const CONTACT = '4915550007002';
let stateDir: string;

beforeAll(() => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  stateDir = mkdtempSync(join(tmpdir(), 'wa-sim-state-'));
});

afterAll(() => {
  rmSync(stateDir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

describe('persistence', () => {
  it('keeps root key, devices, prekeys and contact sessions across a restart', async () => {
    // Prepare: pair, talk to a contact both ways, stop.
    const first = await new WaSimulator().start({ stateDir });
    const auth = createMemoryAuthState();
    const socket = await connectBaileys(first, auth, { phoneNumber: ACCOUNT });
    await socket.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'before restart' });
    await expect.poll(() => first.received(CONTACT).length).toBe(1);
    const closed = waitForClose(socket);
    socket.end(undefined);
    await closed;
    const rootKey = first.rootPublicKey;
    await first.stop();
    const saved = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8')) as { directory: { phones: { number: string }[] } };

    // Act: a new simulator on the same directory (and a new port).
    const second = await new WaSimulator().start({ stateDir });
    let again;
    try {
      let qrShown = false;
      again = await connectBaileys(second, auth, {
        onQr: () => {
          qrShown = true;
        },
      });
      const upsert = waitForEvent(again, 'messages.upsert', (u) => u.type === 'notify');
      const inbound = await second.inbound(CONTACT, ACCOUNT, 'after restart');
      await again.sendMessage(`${CONTACT}@s.whatsapp.net`, { text: 'still decryptable' });

      // Assess
      expect(saved.directory.phones.map((p) => p.number)).toEqual(expect.arrayContaining([ACCOUNT, CONTACT]));
      expect(second.rootPublicKey).toEqual(rootKey);
      expect(qrShown).toBe(false);
      expect(again.user?.id).toBe(`${ACCOUNT}:1@s.whatsapp.net`);
      expect(inbound).toMatchObject({ devices: 1, types: ['msg'] });
      expect((await upsert).messages[0]?.message?.conversation).toBe('after restart');
      await expect.poll(() => second.received(CONTACT).map((m) => m.text)).toEqual(['still decryptable']);
      expect(second.stats().devices).toEqual([expect.objectContaining({ phone: ACCOUNT, logins: 1, overlaps: 0 })]);
    } finally {
      closeSockets(again);
      await second.stop();
    }
  });
});
