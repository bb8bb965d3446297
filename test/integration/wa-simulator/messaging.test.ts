// The real Baileys client sending through and receiving from the simulator: contacts decrypt what it sends,
// their receipts become message status updates, contacts' messages arrive decrypted (pkmsg, then msg), the
// contacts check answers through usync, and two paired accounts reach each other.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WASocket } from '@whiskeysockets/baileys';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { closeSockets, connectBaileys, createMemoryAuthState, waitForEvent } from '../../support/baileys-client.ts';

const ACCOUNT = '4915550001001';
const OTHER_ACCOUNT = '4915550001002';
let sim: WaSimulator;
let socket: WASocket;
let other: WASocket;

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
  [socket, other] = await Promise.all([
    connectBaileys(sim, createMemoryAuthState(), { phoneNumber: ACCOUNT }),
    connectBaileys(sim, createMemoryAuthState(), { phoneNumber: OTHER_ACCOUNT }),
  ]);
});

afterAll(async () => {
  closeSockets(socket, other);
  await sim.stop();
  vi.unstubAllEnvs();
});

const statusOf = (id: string | null | undefined, status: number) => (updates: { key: { id?: string | null }; update: { status?: number | null } }[]) =>
  updates.some((u) => u.key.id === id && u.update.status === status);

describe('outbound text', () => {
  it('is decrypted by the contact, which keeps it', async () => {
    const sent = await socket.sendMessage('4915550002001@s.whatsapp.net', { text: 'hello contact' });

    await expect.poll(() => sim.received('4915550002001').map((m) => m.text)).toEqual(['hello contact']);
    expect(sim.received('4915550002001')[0]).toMatchObject({ id: sent?.key.id, from: `${ACCOUNT}:1@s.whatsapp.net`, to: '4915550002001@s.whatsapp.net' });
  });

  it('turns the contact receipts into messages.update status 3 (delivered) and 4 (read)', async () => {
    // Prepare: receipts after Baileys' 100 ms event-buffer window, so they arrive as updates.
    sim.setReceipts({ deliveredMs: 250, readMs: 400 });
    const updates: { key: { id?: string | null }; update: { status?: number | null } }[] = [];
    const collect = (batch: typeof updates) => updates.push(...batch);
    socket.ev.on('messages.update', collect);

    // Act
    const sent = await socket.sendMessage('4915550002002@s.whatsapp.net', { text: 'read me' });
    await waitForEvent(socket, 'messages.update', statusOf(sent?.key.id, 4), 5_000);

    // Assess
    socket.ev.off('messages.update', collect);
    sim.setReceipts({ deliveredMs: 50, readMs: undefined });
    expect(updates.filter((u) => u.key.id === sent?.key.id).map((u) => u.update.status)).toEqual([3, 4]);
  });

  it('with the default 50 ms delivery, Baileys folds status 3 into its own messages.upsert or reports an update', async () => {
    const seen: { id: string | null | undefined; status: number | null | undefined }[] = [];
    const onUpsert = ({ messages }: { messages: { key: { id?: string | null }; status?: number | null }[] }) =>
      seen.push(...messages.map((m) => ({ id: m.key.id, status: m.status })));
    const onUpdate = (batch: { key: { id?: string | null }; update: { status?: number | null } }[]) =>
      seen.push(...batch.map((u) => ({ id: u.key.id, status: u.update.status })));
    socket.ev.on('messages.upsert', onUpsert);
    socket.ev.on('messages.update', onUpdate);

    const id = (await socket.sendMessage('4915550002003@s.whatsapp.net', { text: 'fast receipt' }))?.key.id;

    await expect.poll(() => seen.some((entry) => entry.id === id && entry.status === 3)).toBe(true);
    socket.ev.off('messages.upsert', onUpsert);
    socket.ev.off('messages.update', onUpdate);
  });

  it('answers the contacts check through usync, honouring numbers marked as not on WhatsApp', async () => {
    sim.setOnWhatsApp(['4915550002099'], false);

    const result = await socket.onWhatsApp('4915550002004', '4915550002099');

    expect(result).toEqual([{ jid: '4915550002004@s.whatsapp.net', exists: true }]);
  });

  it('acks a message to a number not on WhatsApp with error 404, which Baileys reports as status 0 (ERROR)', async () => {
    // The ack is immediate, so Baileys may fold the status into its own buffered messages.upsert.
    sim.setOnWhatsApp(['4915550002098'], false);
    const seen: { id: string | null | undefined; status: number | null | undefined; stub: unknown }[] = [];
    const onUpsert = ({ messages }: { messages: { key: { id?: string | null }; status?: number | null; messageStubParameters?: unknown }[] }) =>
      seen.push(...messages.map((m) => ({ id: m.key.id, status: m.status, stub: m.messageStubParameters })));
    const onUpdate = (batch: { key: { id?: string | null }; update: { status?: number | null; messageStubParameters?: unknown } }[]) =>
      seen.push(...batch.map((u) => ({ id: u.key.id, status: u.update.status, stub: u.update.messageStubParameters })));
    socket.ev.on('messages.upsert', onUpsert);
    socket.ev.on('messages.update', onUpdate);

    const id = (await socket.sendMessage('4915550002098@s.whatsapp.net', { text: 'anyone?' }))?.key.id;

    await expect.poll(() => seen.find((entry) => entry.id === id && entry.status === 0)).toMatchObject({ stub: ['404'] });
    socket.ev.off('messages.upsert', onUpsert);
    socket.ev.off('messages.update', onUpdate);
    expect(sim.received('4915550002098')).toEqual([]);
  });
});

describe('inbound text', () => {
  it('arrives as messages.upsert notify: first as pkmsg, then, once delivered, as msg', async () => {
    // Act: first message on a new session
    const firstUpsert = waitForEvent(socket, 'messages.upsert', (u) => u.type === 'notify' && u.messages.some((m) => m.key.remoteJid === '4915550003001@s.whatsapp.net'));
    const firstReceipt = new Promise((resolve) => sim.once('receipt', resolve));
    const first = await sim.inbound('+4915550003001', ACCOUNT, 'hi from contact');
    const firstMessage = (await firstUpsert).messages[0];
    await firstReceipt;

    // Act: second message on the confirmed session
    const secondUpsert = waitForEvent(socket, 'messages.upsert', (u) => u.type === 'notify' && u.messages.some((m) => m.key.id !== first.id));
    const second = await sim.inbound('4915550003001', ACCOUNT, 'second message');
    const secondMessage = (await secondUpsert).messages[0];

    // Assess
    expect(first.types).toEqual(['pkmsg']);
    expect(firstMessage?.key).toMatchObject({ id: first.id, fromMe: false, remoteJid: '4915550003001@s.whatsapp.net' });
    expect(firstMessage?.message?.conversation).toBe('hi from contact');
    expect(second.types).toEqual(['msg']);
    expect(secondMessage?.key.id).toBe(second.id);
    expect(secondMessage?.message?.conversation).toBe('second message');
  });

  it('refuses a message to a phone without paired devices', async () => {
    await expect(sim.inbound('4915550003002', '4915550003999', 'nobody home')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('between two paired accounts', () => {
  it('routes the copy for the other account\'s companion device, which decrypts it', async () => {
    const received = waitForEvent(other, 'messages.upsert', (u) => u.type === 'notify' && u.messages.some((m) => m.key.remoteJid?.startsWith(ACCOUNT) === true));

    await socket.sendMessage(`${OTHER_ACCOUNT}@s.whatsapp.net`, { text: 'hello other account' });

    const message = (await received).messages[0];
    expect(message?.message?.extendedTextMessage?.text ?? message?.message?.conversation).toBe('hello other account');
    expect(sim.received(OTHER_ACCOUNT).map((m) => m.text)).toContain('hello other account');
  });
});
