import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DependencyError } from '../../../../core/errors.ts';
import { StatusReporter } from '../../../../socket-runner/session/status-reporter.ts';
import { CollectingPublisher, FakeSessionStore, fakeClock, ownedSession, sessionRecord, silentLogger } from './fakes.ts';

function fixture() {
  const sessions = new FakeSessionStore();
  const record = sessionRecord();
  sessions.put(record);
  const events = new CollectingPublisher();
  const fenced = vi.fn();
  const reporter = new StatusReporter({ owned: ownedSession(), sessions, events, clock: fakeClock, logger: silentLogger, onFenced: fenced });
  reporter.adopt(record);
  return { sessions, events, fenced, reporter };
}

describe('StatusReporter', () => {
  beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('writes a status once, announces it after the write, and keeps statusChangedAt on repeats', async () => {
    const f = fixture();
    await f.reporter.report({ status: 'reconnecting', reason: 'connection_lost' });
    const changedAt = f.sessions.record()?.statusChangedAt;
    vi.advanceTimersByTime(5_000);
    await f.reporter.report({ status: 'reconnecting', reason: 'bad_session' });
    expect(f.sessions.record()).toMatchObject({ status: 'reconnecting', statusReason: 'bad_session', statusChangedAt: changedAt });
    expect(f.events.ofType('session.status').map((e) => e.data)).toEqual([
      { status: 'reconnecting', previousStatus: 'created', reason: 'connection_lost', phoneNumber: undefined, disconnectCode: undefined },
    ]);
  });

  it('makes good a status write that failed with the next one', async () => {
    const f = fixture();
    const update = f.sessions.updateFromOwner.bind(f.sessions);
    f.sessions.updateFromOwner = async () => {
      throw new DependencyError('dynamodb', 'down');
    };
    const failed = f.reporter.report({ status: 'open' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await failed).toBeUndefined();
    expect(f.events.events).toHaveLength(0);
    f.sessions.updateFromOwner = update;
    await f.reporter.report({ status: 'open', patch: { phoneNumber: '4915112345678' } });
    expect(f.sessions.record()).toMatchObject({ status: 'open', phoneNumber: '4915112345678' });
  });

  it('stops for good when fenced by a newer owner', async () => {
    const f = fixture();
    f.sessions.put({ ...f.sessions.record()!, epoch: 9 } as never);
    await f.reporter.report({ status: 'open' });
    await f.reporter.report({ status: 'qr' });
    expect(f.fenced).toHaveBeenCalledOnce();
    expect(f.sessions.writes).toHaveLength(0);
    expect(f.events.events).toHaveLength(0);
  });
});
