import { beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../../core/clock.ts';
import type { CommandRecord } from '../../../../core/domain/command.ts';
import { DEFAULT_PACING } from '../../../../core/domain/session.ts';
import { waMessageIdFor } from '../../../../core/ids.ts';
import { CommandExecutor, DEFAULT_EXECUTOR_CONFIG, type ExecutionContext } from '../../../../socket-runner/commands/command-executor.ts';
import type { CommandTarget } from '../../../../socket-runner/commands/command-target.ts';
import { Pacer } from '../../../../socket-runner/commands/pacer.ts';
import type { Readiness } from '../../../../socket-runner/session/actor-config.ts';
import { WhatsAppError } from '../../../../socket-runner/whatsapp/whatsapp-connection.ts';
import { CollectingPublisher, FakeConnection, silentLogger } from '../session/fakes.ts';
import { FakeCommandStore } from './fake-commands.ts';

const noop = { onQr() {}, onOpen() {}, onClose() {}, onCredsUpdate() {}, onMessage() {}, onReceipt() {} };

function fixture() {
  const store = new FakeCommandStore();
  const events = new CollectingPublisher();
  const connection = new FakeConnection(noop);
  const state: { readiness: Readiness } = { readiness: 'open' };
  const target: CommandTarget & { pairingRequests: string[]; logouts: number } = {
    tenantId: 'tenant-a',
    sessionId: 'session-1',
    pairingRequests: [],
    logouts: 0,
    readiness: () => state.readiness,
    connectionForCommands: () => (state.readiness === 'open' ? connection : undefined),
    requestPairingCode: async (phone) => {
      target.pairingRequests.push(phone);
      return 'PAIR1234';
    },
    logout: async () => void target.logouts++,
    pacing: () => DEFAULT_PACING,
    refreshRecord: async () => undefined,
  };
  const executor = new CommandExecutor({ commands: store, events, clock: systemClock, logger: silentLogger, config: DEFAULT_EXECUTOR_CONFIG });
  const abort = new AbortController();
  const context: ExecutionContext = {
    pacer: new Pacer({ perMinute: 120, burst: 100, jitterMs: 0 }, systemClock, () => 0),
    signal: abort.signal,
    interrupted: new Set(),
    ownerEpoch: 3,
  };
  const run = (record: CommandRecord) => executor.execute(target, record.commandId, context);
  const missing = () => executor.execute(target, '01JD0000000000000000000000', context);
  return { store, events, connection, state, target, context, abort, run, missing };
}

describe('CommandExecutor', () => {
  let f: ReturnType<typeof fixture>;
  beforeEach(() => {
    f = fixture();
  });

  it('claims, sends with the derived WhatsApp id, and records sent', async () => {
    const command = f.store.add();
    expect(await f.run(command)).toBe('sent');
    expect(f.connection.sent).toEqual([
      { jid: '4915112345678@s.whatsapp.net', content: { type: 'text', text: 'hello' }, options: { messageId: waMessageIdFor(command.commandId), quoted: undefined } },
    ]);
    const stored = (await f.store.get('t', 's', command.commandId))!;
    expect(stored.trail.map((t) => t.status)).toEqual(['queued', 'sending', 'sent']);
    expect(f.events.ofType('message.status').map((e) => e.data)).toEqual([
      { messageId: command.commandId, status: 'sent', waMessageId: waMessageIdFor(command.commandId), to: '4915112345678', campaignId: undefined },
    ]);
  });

  it('does nothing for a command already done', async () => {
    const command = f.store.add({ status: 'delivered' });
    expect(await f.run(command)).toBe('duplicate');
    expect(f.connection.sent).toHaveLength(0);
  });

  it('answers missing for an unknown command id', async () => {
    expect(await f.missing()).toBe('missing');
  });

  it('fails an expired command instead of sending it late', async () => {
    const command = f.store.add({ notAfter: new Date(Date.now() - 1).toISOString() });
    expect(await f.run(command)).toBe('expired');
    expect(f.store.items.get(command.commandId)).toMatchObject({ status: 'failed', failure: { code: 'expired' } });
    expect(f.events.ofType('message.status')[0]?.data).toMatchObject({ status: 'failed', reason: 'expired' });
    expect(f.connection.sent).toHaveLength(0);
  });

  it('leaves a command that moved on before it could be failed to whoever moved it, and announces nothing', async () => {
    const command = f.store.add({ notAfter: new Date(Date.now() - 1).toISOString() });
    const transition = vi.spyOn(f.store, 'transition').mockResolvedValueOnce(undefined); // it moved on meanwhile
    expect(await f.run(command)).toBe('duplicate');
    expect(transition).toHaveBeenCalledWith('tenant-a', 'session-1', command.commandId, 'failed', expect.objectContaining({ from: ['queued'] }));
    expect(f.events.ofType('message.status')).toHaveLength(0);
  });

  it('defers while the session is not open, leaving the command queued', async () => {
    f.state.readiness = 'unavailable';
    const command = f.store.add();
    expect(await f.run(command)).toBe('deferred');
    expect(f.store.status(command.commandId)).toBe('queued');
  });

  it('keeps an ambiguous send claimed and retries it with the same id', async () => {
    const command = f.store.add();
    f.connection.sendImpl = async () => {
      throw new WhatsAppError('send_interrupted', 'Connection Closed', true);
    };
    expect(await f.run(command)).toBe('interrupted');
    expect(f.store.status(command.commandId)).toBe('sending');
    expect((await f.store.listQueued()).items.map((i) => i.commandId)).toEqual([command.commandId]);

    f.connection.sendImpl = async () => {};
    expect(await f.run(command)).toBe('sent');
    expect(f.connection.sent.map((m) => m.options.messageId)).toEqual([waMessageIdFor(command.commandId)]);
    expect(f.store.items.get(command.commandId)!.trail.map((t) => t.status)).toEqual(['queued', 'sending', 'sending', 'sent']);
  });

  it('leaves a fresh claim of another sender alone, and retries a stale one', async () => {
    const fresh = f.store.add({ status: 'sending' });
    expect(await f.run(fresh)).toBe('in_progress');
    const stale = f.store.add({ status: 'sending', updatedAt: new Date(Date.now() - 5 * 60_000).toISOString() });
    expect(await f.run(stale)).toBe('sent');
    expect(f.connection.sent).toHaveLength(1);
  });

  it('records its ownership epoch with a claim, and retries at once a fresh claim made under an earlier ownership', async () => {
    const sameOwnership = f.store.add({ status: 'sending', claimEpoch: 3 });
    expect(await f.run(sameOwnership)).toBe('in_progress'); // maybe still in flight on this runner
    const earlierOwner = f.store.add({ status: 'sending', claimEpoch: 2 }); // that owner's socket is closed
    expect(await f.run(earlierOwner)).toBe('sent');
    expect(f.connection.sent.map((s) => s.options.messageId)).toEqual([waMessageIdFor(earlierOwner.commandId)]);
    const queued = f.store.add();
    await f.run(queued);
    expect((await f.store.get('t', 's', queued.commandId))?.claimEpoch).toBe(3);
    expect((await f.store.get('t', 's', earlierOwner.commandId))?.claimEpoch).toBe(3);
  });

  it('gives up after maxSendAttempts claims', async () => {
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    const command = f.store.add({
      status: 'sending',
      updatedAt: old,
      trail: ['queued', 'sending', 'sending', 'sending'].map((status) => ({ status: status as 'sending', at: old })),
    });
    expect(await f.run(command)).toBe('failed');
    expect(f.store.items.get(command.commandId)?.failure?.code).toBe('send_attempts_exhausted');
  });

  it('fails for good on a final WhatsApp error', async () => {
    const command = f.store.add({ payload: { type: 'image', url: 'https://x.test/a.jpg', to: '4915112345678@s.whatsapp.net' } });
    f.connection.sendImpl = async () => {
      throw new WhatsAppError('media_unavailable', 'media URL answered 404', false);
    };
    expect(await f.run(command)).toBe('failed');
    expect(f.store.items.get(command.commandId)?.failure).toEqual({ code: 'media_unavailable', message: 'media URL answered 404' });
  });

  it('fails a payload the runner cannot send', async () => {
    const command = f.store.add({ payload: { type: 'text', to: 'not a jid' } });
    expect(await f.run(command)).toBe('failed');
    expect(f.store.items.get(command.commandId)?.failure?.code).toBe('invalid_payload');
  });

  it('quotes our own earlier message with its text', async () => {
    const original = f.store.add({ status: 'sent', payload: { type: 'text', text: 'are you there?', to: '4915112345678@s.whatsapp.net' } });
    const reply = f.store.add({ payload: { type: 'text', text: 'hello?', replyTo: original.commandId, to: '4915112345678@s.whatsapp.net' } });
    expect(await f.run(reply)).toBe('sent');
    expect(f.connection.sent[0]?.options.quoted).toEqual({ waMessageId: waMessageIdFor(original.commandId), fromMe: true, text: 'are you there?' });
  });

  it('checks contacts and stores the result on the command', async () => {
    f.connection.contacts = [{ phoneNumber: '4915112345678', exists: true, jid: '4915112345678@s.whatsapp.net' }];
    const command = f.store.add({ type: 'check_contacts', payload: { phoneNumbers: ['4915112345678', '4915100000000'] } });
    expect(await f.run(command)).toBe('sent');
    expect(f.store.items.get(command.commandId)?.result).toEqual({
      contacts: [
        { phoneNumber: '4915112345678', exists: true, jid: '4915112345678@s.whatsapp.net' },
        { phoneNumber: '4915100000000', exists: false },
      ],
    });
    expect(f.events.events).toHaveLength(0);
  });

  it('asks for a pairing code only while the session shows a QR', async () => {
    const command = f.store.add({ type: 'request_pairing_code', payload: { phoneNumber: '4915112345678' } });
    expect(await f.run(command)).toBe('deferred');
    f.state.readiness = 'pairing';
    expect(await f.run(command)).toBe('sent');
    expect(f.target.pairingRequests).toEqual(['4915112345678']);
    expect(f.store.items.get(command.commandId)?.result).toEqual({ code: 'PAIR1234' });
  });

  it('logs out in any live state', async () => {
    f.state.readiness = 'unavailable';
    const command = f.store.add({ type: 'logout', payload: {} });
    expect(await f.run(command)).toBe('sent');
    expect(f.target.logouts).toBe(1);
  });

  it('defers a send whose pacing wait was aborted', async () => {
    f.context.pacer.update({ perMinute: 1, burst: 1, jitterMs: 0 });
    await f.context.pacer.take();
    const command = f.store.add();
    const running = f.run(command);
    f.abort.abort();
    expect(await running).toBe('deferred');
    expect(f.store.status(command.commandId)).toBe('queued');
  });
});
