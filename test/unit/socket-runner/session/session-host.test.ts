import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import { waMessageIdFor } from '../../../../core/ids.ts';
import type { SessionEndReason } from '../../../../socket-runner/contracts.ts';
import { createSessionHost } from '../../../../socket-runner/session/session-host.ts';
import { FakeCommandStore } from '../commands/fake-commands.ts';
import {
  CollectingPublisher,
  FakeAuthStates,
  FakeConnector,
  FakeSessionStore,
  fakeClock,
  ownedSession,
  sessionRecord,
  settle,
  silentLogger,
} from './fakes.ts';

function fixture() {
  const sessions = new FakeSessionStore();
  const commands = new FakeCommandStore();
  const events = new CollectingPublisher();
  const connector = new FakeConnector();
  const ended: [string, SessionEndReason][] = [];
  const reconnects: string[] = [];
  const host = createSessionHost({
    sessions,
    commands,
    events,
    auth: new FakeAuthStates(true),
    connect: connector.factory,
    clock: fakeClock,
    logger: silentLogger,
    random: () => 0,
    metrics: { reconnect: (r) => void reconnects.push(r), commandOutcome: () => {}, sendLatency: () => {}, queueLag: () => {} },
    onSessionEnded: (id, reason) => void ended.push([id, reason]),
  });
  return { sessions, commands, events, connector, ended, reconnects, host };
}

describe('session host', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('hosts a session, resolves its bring-up when it opens, and gives its lane only to its own tenant', async () => {
    const f = fixture();
    f.sessions.put(sessionRecord());
    const bringUp = f.host.open(ownedSession());
    await settle();
    f.connector.last.open();
    await bringUp;
    expect(f.host.hosted()).toEqual(['session-1']);
    expect(f.host.lane('tenant-a', 'session-1')).toBeDefined();
    expect(f.host.lane('tenant-b', 'session-1')).toBeUndefined();
    expect(f.host.statusCounts()).toMatchObject({ open: 1, connecting: 0 });
  });

  it('runs the commands re-driven when the session opens', async () => {
    const f = fixture();
    f.sessions.put(sessionRecord());
    const command = f.commands.add();
    void f.host.open(ownedSession());
    await settle();
    f.connector.last.open();
    await vi.advanceTimersByTimeAsync(0);
    await f.host.lane('tenant-a', 'session-1')!.drain();
    expect(f.commands.status(command.commandId)).toBe('sent');
  });

  it('publishes inbound messages and records receipts', async () => {
    const f = fixture();
    f.sessions.put(sessionRecord());
    const command = f.commands.add({ status: 'sent' });
    void f.host.open(ownedSession());
    await settle();
    const connection = f.connector.last;
    connection.open();
    connection.listener.onMessage({ waMessageId: 'IN1', from: '447700900123', chat: '447700900123', timestamp: new Date().toISOString(), type: 'text', text: 'hi' });
    connection.listener.onReceipt({ waMessageId: waMessageIdFor(command.commandId), status: 'read' });
    await vi.advanceTimersByTimeAsync(0);
    expect(f.events.ofType('message.received')[0]).toMatchObject({ tenantId: 'tenant-a', sessionId: 'session-1', data: { text: 'hi' } });
    expect(f.commands.status(command.commandId)).toBe('read');
    expect(f.events.ofType('message.status').map((e: AnyEvent) => (e.data as { status: string }).status)).toEqual(['read']);
  });

  it('drops a session that ends on its own and tells ownership', async () => {
    const f = fixture();
    f.sessions.put(sessionRecord());
    const owned = ownedSession();
    void f.host.open(owned);
    await settle();
    owned.abort();
    expect(f.host.hosted()).toEqual([]);
    expect(f.ended).toEqual([['session-1', 'lost']]);
  });

  it('counts reconnects and sessions stuck away from open', async () => {
    const f = fixture();
    f.sessions.put(sessionRecord());
    void f.host.open(ownedSession());
    await settle();
    f.connector.last.close(500);
    await settle();
    f.connector.last.close(440);
    expect(f.reconnects).toEqual(['bad_session']);
    await vi.advanceTimersByTimeAsync(0);
    expect(f.host.stuckDisconnected(5 * 60_000)).toBe(0);
    await vi.advanceTimersByTimeAsync(6 * 60_000);
    expect(f.host.stuckDisconnected(5 * 60_000)).toBe(1);
  });

  it('closes gracefully and forgets the session', async () => {
    const f = fixture();
    f.sessions.put(sessionRecord());
    void f.host.open(ownedSession());
    await settle();
    f.connector.last.open();
    await f.host.close('session-1', 'shutdown');
    expect(f.host.hosted()).toEqual([]);
    expect(f.connector.last.ended).toBe(true);
    expect(f.ended).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
