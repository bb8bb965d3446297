import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../../core/clock.ts';
import { DEFAULT_PACING } from '../../../../core/domain/session.ts';
import { waMessageIdFor } from '../../../../core/ids.ts';
import { CommandExecutor, DEFAULT_EXECUTOR_CONFIG } from '../../../../socket-runner/commands/command-executor.ts';
import { CommandLane, DEFAULT_LANE_CONFIG, type LaneConfig } from '../../../../socket-runner/commands/command-lane.ts';
import type { CommandTarget } from '../../../../socket-runner/commands/command-target.ts';
import type { Readiness } from '../../../../socket-runner/session/actor-config.ts';
import { CollectingPublisher, FakeConnection, silentLogger } from '../session/fakes.ts';
import { FakeCommandStore } from './fake-commands.ts';

const noop = { onQr() {}, onOpen() {}, onClose() {}, onCredsUpdate() {}, onMessage() {}, onReceipt() {} };

function fixture(config: Partial<LaneConfig> = {}) {
  const store = new FakeCommandStore();
  const connection = new FakeConnection(noop);
  const state: { readiness: Readiness } = { readiness: 'open' };
  const target: CommandTarget = {
    tenantId: 'tenant-a',
    sessionId: 'session-1',
    readiness: () => state.readiness,
    connectionForCommands: () => (state.readiness === 'open' ? connection : undefined),
    requestPairingCode: async () => 'X',
    logout: async () => {},
    pacing: () => ({ ...DEFAULT_PACING, jitterMs: 0, burst: 50 }),
    refreshRecord: async () => undefined,
  };
  const executor = new CommandExecutor({ commands: store, events: new CollectingPublisher(), clock: systemClock, logger: silentLogger, config: DEFAULT_EXECUTOR_CONFIG });
  const lane = new CommandLane({
    target,
    ownerEpoch: 1,
    executor,
    commands: store,
    clock: systemClock,
    random: () => 0,
    logger: silentLogger,
    config: { ...DEFAULT_LANE_CONFIG, ...config },
  });
  return { store, connection, state, lane };
}

describe('CommandLane', () => {
  afterEach(() => vi.useRealTimers());

  it('runs a command heard of twice (queue and re-drive) once, in order with the others', async () => {
    const f = fixture();
    const a = f.store.add();
    const b = f.store.add();
    const fromQueue = f.lane.submit(b.commandId);
    await f.lane.redrive();
    expect(await fromQueue).toBe('sent');
    await f.lane.drain();
    expect(f.connection.sent.map((m) => m.options.messageId)).toEqual([waMessageIdFor(b.commandId), waMessageIdFor(a.commandId)]);
    expect(f.store.status(a.commandId)).toBe('sent');
    expect(f.store.status(b.commandId)).toBe('sent');
  });

  it('bounds what waits in memory; the rest stays in DynamoDB', async () => {
    const f = fixture({ maxPending: 2 });
    f.state.readiness = 'unavailable';
    const outcomes = await Promise.all([1, 2, 3].map(() => f.lane.submit(f.store.add().commandId)));
    expect(outcomes).toEqual(['deferred', 'deferred', 'deferred']);
    f.state.readiness = 'open';
    let release: () => void = () => {};
    f.connection.sendImpl = () => new Promise<void>((resolve) => (release = resolve));
    const first = f.lane.submit(f.store.add().commandId);
    const second = f.lane.submit(f.store.add().commandId);
    expect(await f.lane.submit(f.store.add().commandId)).toBe('deferred');
    f.connection.sendImpl = async () => {};
    release();
    expect(await first).toBe('sent');
    expect(await second).toBe('sent');
  });

  it('fails expired commands in its sweep even while the session cannot send', async () => {
    const f = fixture();
    f.state.readiness = 'unavailable';
    const expired = f.store.add({ notAfter: new Date(Date.now() - 1).toISOString() });
    const waiting = f.store.add();
    await f.lane.redrive();
    await f.lane.drain();
    expect(f.store.status(expired.commandId)).toBe('failed');
    expect(f.store.status(waiting.commandId)).toBe('queued');
  });

  it('sweeps periodically and stops its timer when closed', async () => {
    vi.useFakeTimers();
    const f = fixture({ redriveIntervalMs: 60_000 });
    f.lane.start();
    const command = f.store.add();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.store.status(command.commandId)).toBe('sent');
    await f.lane.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('settles what is left of a deleted session', async () => {
    const f = fixture();
    f.state.readiness = 'gone';
    const send = f.store.add();
    const logout = f.store.add({ type: 'logout', payload: {} });
    await f.lane.settleForDeletion();
    expect(f.store.items.get(send.commandId)).toMatchObject({ status: 'failed', failure: { code: 'session_deleted' } });
    expect(f.store.items.get(logout.commandId)).toMatchObject({ status: 'sent', result: { loggedOut: true } });
    expect(await f.lane.submit(f.store.add().commandId)).toBe('deferred');
  });
});
