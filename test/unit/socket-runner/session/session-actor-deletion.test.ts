// The session actor's deletion and logout paths: purge order, and what wins when a logout, a deletion and
// a handover overlap. The connection lifecycle is in session-actor.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ACTOR_CONFIG } from '../../../../socket-runner/session/actor-config.ts';
import { setup, started } from './actor-fixture.ts';
import { settle } from './fakes.ts';

describe('SessionActor: deletion and logout', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-21T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs a deleted session out, settles its commands and purges credentials and record', async () => {
    const { connector, sessions, auth, ended, beforePurge } = await started({ record: { deletedAt: new Date().toISOString() } });
    expect(connector.connections).toHaveLength(1);
    connector.last.open();
    await settle();
    expect(connector.last.loggedOut).toBe(true);
    await settle();
    expect(beforePurge).toHaveBeenCalledOnce();
    expect(auth.purges).toEqual(['session-1']);
    expect(sessions.purged).toEqual(['session-1']);
    expect(ended).toEqual(['purged']);
  });

  it('purges a deleted session without credentials without connecting', async () => {
    const { connector, sessions, ended } = await started({ record: { deletedAt: new Date().toISOString() }, registered: false });
    await settle();
    expect(connector.connections).toHaveLength(0);
    expect(sessions.purged).toEqual(['session-1']);
    expect(ended).toEqual(['purged']);
  });

  it('deletes on close(deleted) from an open session', async () => {
    const { actor, connector, sessions } = await started();
    connector.last.open();
    await settle();
    await actor.close('deleted');
    expect(connector.last.loggedOut).toBe(true);
    expect(sessions.purged).toEqual(['session-1']);
  });

  it('purges at once a deleted session that was still waiting for its QR scan', async () => {
    const { actor, connector, sessions, ended } = await started({ registered: false });
    connector.last.qr();
    await settle();
    await actor.close('deleted');
    expect(connector.last.loggedOut).toBe(false);
    expect(connector.last.ended).toBe(true);
    expect(sessions.purged).toEqual(['session-1']);
    expect(ended).toEqual(['purged']);
  });

  it('purges a deleted session anyway when its socket cannot be created, instead of waiting to reconnect', async () => {
    const ctx = setup({ record: { deletedAt: new Date().toISOString() } });
    ctx.connector.failWith = new Error('socket factory failed');
    void ctx.actor.start();
    await settle();
    expect(ctx.sessions.statuses()).not.toContain('reconnecting');
    expect(ctx.auth.purges).toEqual(['session-1']);
    expect(ctx.sessions.purged).toEqual(['session-1']);
    expect(ctx.ended).toEqual(['purged']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts no deletion when it closes while a logout reads the deleted record', async () => {
    const { actor, connector, sessions, auth, ended } = await started();
    connector.last.open();
    await settle();
    sessions.put({ ...sessions.record()!, deletedAt: new Date().toISOString() });
    const release = sessions.holdReads();
    const loggingOut = actor.logout();
    await actor.close('handover');
    const writes = sessions.writes.length;
    release();
    await expect(loggingOut).resolves.toBeUndefined();
    await settle();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(DEFAULT_ACTOR_CONFIG.deletionTimeoutMs);
    expect(connector.connections).toHaveLength(1);
    expect(auth.opened).toBe(1);
    expect(sessions.writes).toHaveLength(writes);
    expect(sessions.purged).toEqual([]);
    expect(ended).toEqual([]);
    expect(actor.readiness()).toBe('gone');
  });

  it('leaves a logout interrupted by a handover during its read to the next owner', async () => {
    const { actor, connector, sessions, auth } = await started();
    connector.last.close(500);
    await settle();
    const release = sessions.holdReads();
    const loggingOut = actor.logout();
    await actor.close('handover');
    release();
    await expect(loggingOut).rejects.toMatchObject({ code: 'session_unavailable', ambiguous: true });
    await settle();
    expect(auth.purges).toEqual([]);
    expect(sessions.statuses()).not.toContain('needs_pairing');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('lets a deletion that arrives while a logout reads the record finish, never going dormant on top of it', async () => {
    const { actor, connector, sessions, events, ended } = await started();
    connector.last.close(500);
    await settle();
    const release = sessions.holdReads();
    const loggingOut = actor.logout();
    const deleting = actor.close('deleted');
    release();
    await settle();
    expect(connector.connections).toHaveLength(2);
    connector.last.open();
    await settle();
    expect(connector.last.loggedOut).toBe(true);
    await deleting;
    await loggingOut;
    expect(sessions.statuses()).not.toContain('needs_pairing');
    expect(events.ofType('session.needs_pairing')).toHaveLength(0);
    expect(sessions.purged).toEqual(['session-1']);
    expect(ended).toEqual(['purged']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves a 401 logged out to a deletion that arrives while the record is read', async () => {
    const { actor, connector, sessions, auth, ended } = await started();
    connector.last.open();
    await settle();
    const release = sessions.holdReads();
    connector.last.close(401, 'Connection Failure');
    const deleting = actor.close('deleted');
    release();
    await settle();
    connector.last.close(401, 'Connection Failure');
    await deleting;
    expect(sessions.statuses()).not.toContain('needs_pairing');
    expect(auth.purges).toEqual(['session-1']);
    expect(sessions.purged).toEqual(['session-1']);
    expect(ended).toEqual(['purged']);
  });

  it('logs out on request into needs_pairing without an alert', async () => {
    const { actor, connector, sessions, events } = await started();
    connector.last.open();
    await settle();
    await actor.logout();
    await settle();
    expect(sessions.record()).toMatchObject({ status: 'needs_pairing', statusReason: 'logged_out' });
    expect(events.ofType('alert')).toHaveLength(0);
  });
});
