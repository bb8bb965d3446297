// The session actor's connection lifecycle: pairing, disconnect policy, dormancy, fencing, handover and
// clean-up. Deletion and logout are in session-actor-deletion.test.ts.
import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionRecord } from '../../../../core/domain/session.ts';
import { FencedError } from '../../../../socket-runner/contracts.ts';
import { DEFAULT_ACTOR_CONFIG } from '../../../../socket-runner/session/actor-config.ts';
import { started } from './actor-fixture.ts';
import { settle } from './fakes.ts';

describe('SessionActor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-21T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('pairs through rotating QR codes, then opens with the phone number and clears the QR', async () => {
    const { actor, sessions, events, connector, ready } = await started({ registered: false });
    expect(actor.status()).toBe('connecting');

    connector.last.qr('qr-1');
    await settle();
    expect(sessions.record()).toMatchObject({ status: 'qr', qr: 'qr-1', qrExpiresAt: '2026-11-21T12:01:00.000Z' });
    expect(actor.readiness()).toBe('pairing');

    vi.advanceTimersByTime(60_000);
    connector.last.qr('qr-2');
    await settle();
    expect(sessions.record()).toMatchObject({ qr: 'qr-2', qrExpiresAt: '2026-11-21T12:01:20.000Z' });
    expect(events.ofType('session.qr').map((e) => e.data.qr)).toEqual(['qr-1', 'qr-2']);

    connector.last.open('4915112345678', true);
    await settle();
    const record = sessions.record()!;
    expect(record).toMatchObject({ status: 'open', phoneNumber: '4915112345678' });
    expect(record.qr).toBeUndefined();
    expect(events.ofType('session.status').map((e) => e.data.status)).toEqual(['connecting', 'qr', 'open']);
    expect(ready).toEqual(['pairing', 'open']);
    expect(actor.readiness()).toBe('open');
  });

  it('reconnects at once on 515 restartRequired, reusing the auth state', async () => {
    const { connector, auth, sessions } = await started();
    connector.last.close(515, 'Stream Errored (restart required)');
    await settle();
    expect(connector.connections).toHaveLength(2);
    expect(auth.opened).toBe(1);
    expect(sessions.statuses()).not.toContain('reconnecting');
  });

  it('treats 515 after 515 without an open as a failure to back off from', async () => {
    const { connector, sessions } = await started();
    for (let i = 0; i < 4; i++) {
      connector.last.close(515);
      await settle();
    }
    expect(connector.connections).toHaveLength(4);
    expect(sessions.record()?.status).toBe('reconnecting');
  });

  it('never fights a 440 connectionReplaced: stopped with a reason and an alert, no reconnect', async () => {
    const { connector, sessions, events } = await started();
    connector.last.open();
    await settle();
    connector.last.close(440, 'Stream Errored (conflict)');
    await settle();
    expect(sessions.record()).toMatchObject({ status: 'stopped', statusReason: 'connection_replaced', lastDisconnect: { code: 440 } });
    expect(events.ofType('alert').map((e) => e.data.alert)).toEqual(['connection_replaced']);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(connector.connections).toHaveLength(1);
  });

  it('resumes a dormant session when the tenant starts it again', async () => {
    const { connector, sessions } = await started();
    connector.last.close(440);
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    const record = sessions.record()!;
    sessions.put({ ...record, desiredStateChangedAt: new Date().toISOString() });
    await vi.advanceTimersByTimeAsync(DEFAULT_ACTOR_CONFIG.dormantPollMs);
    expect(connector.connections).toHaveLength(2);
    expect(sessions.record()?.status).toBe('connecting');
  });

  it('on 401 loggedOut purges the credentials, marks needs_pairing with an event, and waits', async () => {
    const { connector, sessions, events, auth } = await started();
    connector.last.open();
    await settle();
    connector.last.close(401, 'Connection Failure');
    await settle();
    expect(auth.purges).toEqual(['session-1']);
    expect(auth.current.flushes).toBe(1);
    expect(sessions.record()).toMatchObject({ status: 'needs_pairing', statusReason: 'logged_out' });
    expect(events.ofType('session.needs_pairing')[0]?.data).toEqual({ reason: 'logged_out', disconnectCode: 401 });
    expect(events.ofType('alert').map((e) => e.data.alert)).toEqual(['logged_out']);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(connector.connections).toHaveLength(1);
  });

  it('backs off with full jitter on other codes and reconnects after the delay', async () => {
    const { connector, sessions } = await started({ random: () => 0.5 });
    connector.last.close(500, 'bad session');
    await settle();
    expect(sessions.record()).toMatchObject({ status: 'reconnecting', lastDisconnect: { code: 500, reason: 'bad_session' } });
    await vi.advanceTimersByTimeAsync(499);
    expect(connector.connections).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(connector.connections).toHaveLength(2);
    connector.last.close(408);
    await settle();
    await vi.advanceTimersByTimeAsync(999);
    expect(connector.connections).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(connector.connections).toHaveLength(3);
  });

  it('parks a session that keeps failing, then probes it once after the cool-down', async () => {
    const config = { breaker: { threshold: 3, windowMs: 60_000 }, parkedProbeMs: 5 * 60_000, dormantPollMs: 30_000 };
    const { connector, sessions, events } = await started({ config, random: () => 0 });
    for (let i = 0; i < 3; i++) {
      connector.last.close(503);
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(sessions.record()).toMatchObject({ status: 'failed', statusReason: 'parked_after_repeated_failures' });
    expect(events.ofType('alert').map((e) => e.data.alert)).toEqual(['session_parked']);
    expect(connector.connections).toHaveLength(3);

    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(connector.connections).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connector.connections).toHaveLength(4);
    connector.last.close(503);
    await vi.advanceTimersByTimeAsync(0);
    expect(sessions.record()?.status).toBe('failed');
    expect(connector.connections).toHaveLength(4);
  });

  it('stays dormant at boot when the record is parked and the tenant has not started it since', async () => {
    const old = new Date(Date.now() - 60_000).toISOString();
    const { connector } = await started({ record: { status: 'failed', statusChangedAt: new Date().toISOString(), desiredStateChangedAt: old } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(connector.connections).toHaveLength(0);
  });

  it('asks for a new pairing when every QR ref expired', async () => {
    const { connector, sessions, events } = await started({ registered: false });
    connector.last.qr();
    await settle();
    connector.last.close(408, 'QR refs attempts ended', true);
    await settle();
    expect(sessions.record()).toMatchObject({ status: 'needs_pairing', statusReason: 'qr_expired' });
    expect(sessions.record()?.qr).toBeUndefined();
    expect(events.ofType('session.needs_pairing')).toHaveLength(1);
  });

  it('closes at once and writes nothing more when ownership is lost', async () => {
    const { connector, sessions, owned, ended } = await started();
    connector.last.open();
    await settle();
    const writes = sessions.writes.length;
    owned.abort();
    connector.last.close(500);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(connector.last.ended).toBe(true);
    expect(connector.connections).toHaveLength(1);
    expect(sessions.writes).toHaveLength(writes);
    expect(ended).toEqual(['lost']);
  });

  it('stops when a status write finds a newer epoch', async () => {
    const { connector, sessions, ended } = await started();
    sessions.put({ ...sessions.record()!, epoch: 7 } as SessionRecord);
    connector.last.open();
    await settle();
    expect(ended).toEqual(['fenced']);
    expect(connector.last.ended).toBe(true);
    expect(sessions.record()?.status).not.toBe('open');
  });

  it('stops when a credential write is fenced', async () => {
    const { connector, auth, ended } = await started();
    auth.current.saveCreds = async () => {
      throw new FencedError('session-1', 1);
    };
    connector.last.listener.onCredsUpdate();
    await settle();
    expect(ended).toEqual(['fenced']);
  });

  it('hands over gracefully: flushes creds, ends the socket, says why', async () => {
    const { actor, connector, sessions, auth } = await started();
    connector.last.open();
    await settle();
    await actor.close('handover');
    expect(auth.current.flushes).toBe(1);
    expect(connector.last.ended).toBe(true);
    expect(sessions.record()).toMatchObject({ status: 'reconnecting', statusReason: 'handover' });
    expect(actor.readiness()).toBe('gone');
  });

  it('hands out a pairing code only while pairing, and records it', async () => {
    const { actor, connector, sessions } = await started({ registered: false });
    await expect(actor.requestPairingCode('4915112345678')).rejects.toMatchObject({ code: 'session_not_pairing' });
    connector.last.qr();
    await settle();
    await expect(actor.requestPairingCode('4915112345678')).resolves.toBe('ABCD1234');
    expect(sessions.record()?.pairingCode).toBe('ABCD1234');
  });

  it('leaves no timer or listener behind across many actors', async () => {
    const contexts = [];
    for (let i = 0; i < 50; i++) {
      const ctx = await started({ random: () => 0.9 });
      if (i % 3 === 0) ctx.connector.last.close(500);
      else if (i % 3 === 1) ctx.connector.last.close(440);
      else ctx.connector.last.open();
      contexts.push(ctx);
    }
    await settle();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    await Promise.all(contexts.map((ctx, i) => (i % 2 ? ctx.actor.close('shutdown') : Promise.resolve(ctx.owned.abort()))));
    expect(vi.getTimerCount()).toBe(0);
    for (const ctx of contexts) {
      expect(getEventListeners(ctx.owned.lost, 'abort')).toHaveLength(0);
      expect(ctx.connector.connections.every((c) => c.ended || c.closed)).toBe(true);
    }
  });
});
