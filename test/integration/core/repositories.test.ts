import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../core/aws/tables.ts';
import type { Clock } from '../../../core/clock.ts';
import { CommandRepository } from '../../../core/commands/command-repository.ts';
import { DEFAULT_PACING } from '../../../core/domain/session.ts';
import { ConditionFailedError, NotFoundError } from '../../../core/errors.ts';
import { newId } from '../../../core/ids.ts';
import { SessionRepository } from '../../../core/sessions/session-repository.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

const clock: Clock = { now: () => Date.parse('2026-11-21T12:00:00Z'), monotonic: () => performance.now() };

describe('SessionRepository', () => {
  let aws: AwsFixture;
  let sessions: SessionRepository;

  beforeAll(async () => {
    aws = await provisionedAws();
    sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), clock);
  });
  afterAll(() => aws.close());

  it('lists a running session as runnable and drops it when stopped', async () => {
    const sessionId = newId();
    await sessions.create({ tenantId: 'tenant-r', sessionId, pacing: DEFAULT_PACING });
    const runnable = async () => (await sessions.listRunnable({ limit: 100 })).items.map((s) => s.sessionId);
    expect(await runnable()).toContain(sessionId);
    await sessions.setDesiredState('tenant-r', sessionId, 'stopped');
    expect(await runnable()).not.toContain(sessionId);
  });

  it('keeps a deleted session runnable for the purge but hides it from the tenant', async () => {
    const sessionId = newId();
    await sessions.create({ tenantId: 'tenant-d', sessionId, pacing: DEFAULT_PACING });
    await sessions.markDeleted('tenant-d', sessionId);
    await expect(sessions.require('tenant-d', sessionId)).rejects.toBeInstanceOf(NotFoundError);
    expect((await sessions.list('tenant-d', { limit: 10 })).items).toEqual([]);
    expect((await sessions.listRunnable({ limit: 100 })).items.map((s) => s.sessionId)).toContain(sessionId);
  });

  it('lists a runnable session with its keys and the projected placement attributes only', async () => {
    const sessionId = newId();
    await sessions.create({ tenantId: 'tenant-p', sessionId, name: 'Support', pacing: DEFAULT_PACING });
    await sessions.updateFromOwner('tenant-p', sessionId, 4, {
      status: 'qr',
      ownerRunnerId: 'runner-p',
      slot: 2,
      qr: '2@abc,def,ghi',
      lastDisconnect: { code: 515, reason: 'restart_required', at: '2026-11-21T11:59:00.000Z' },
    });
    const listed = async () => (await sessions.listRunnable({ limit: 100 })).items.find((s) => s.sessionId === sessionId);

    expect(await listed()).toEqual({ tenantId: 'tenant-p', sessionId, ownerRunnerId: 'runner-p', epoch: 4 });
    await sessions.markDeleted('tenant-p', sessionId);
    expect(await listed()).toEqual({ tenantId: 'tenant-p', sessionId, ownerRunnerId: 'runner-p', epoch: 4, deletedAt: '2026-11-21T12:00:00.000Z' });
  });

  it('fences owner writes by epoch', async () => {
    const sessionId = newId();
    await sessions.create({ tenantId: 'tenant-f', sessionId, pacing: DEFAULT_PACING });
    await sessions.updateFromOwner('tenant-f', sessionId, 2, { status: 'open', ownerRunnerId: 'runner-b', slot: 1 });
    await expect(sessions.updateFromOwner('tenant-f', sessionId, 1, { status: 'stopped' })).rejects.toBeInstanceOf(ConditionFailedError);
    const stored = await sessions.require('tenant-f', sessionId);
    expect(stored).toMatchObject({ status: 'open', ownerRunnerId: 'runner-b', slot: 1, epoch: 2 });
    await sessions.updateFromOwner('tenant-f', sessionId, 2, { qr: null, slot: null });
    expect((await sessions.require('tenant-f', sessionId)).slot).toBeUndefined();
  });

  it('answers another tenant with not found', async () => {
    const sessionId = newId();
    await sessions.create({ tenantId: 'tenant-a', sessionId, pacing: DEFAULT_PACING });
    await expect(sessions.require('tenant-b', sessionId)).rejects.toBeInstanceOf(NotFoundError);
    await expect(sessions.setDesiredState('tenant-b', sessionId, 'stopped')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('CommandRepository', () => {
  let aws: AwsFixture;
  let commands: CommandRepository;
  const base = { tenantId: 'tenant-c', sessionId: 'session-1', type: 'send_message' as const, notAfter: '2026-11-22T12:00:00Z' };

  beforeAll(async () => {
    aws = await provisionedAws();
    commands = new CommandRepository(openTable(aws.clients.doc, 'commands', aws.env), clock);
  });
  afterAll(() => aws.close());

  it('creates a command once and returns the stored one on a repeat', async () => {
    const commandId = newId();
    const first = await commands.create({ ...base, commandId, payload: { text: 'one' } });
    const again = await commands.create({ ...base, commandId, payload: { text: 'two' } });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.record.payload).toEqual({ text: 'one' });
  });

  it('moves forward only and records the trail', async () => {
    const commandId = newId();
    await commands.create({ ...base, commandId, payload: {} });
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'sending')).toMatchObject({ status: 'sending' });
    // A second claim (duplicate delivery) loses: this is what prevents a double send.
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'sending')).toBeUndefined();
    await commands.transition('tenant-c', 'session-1', commandId, 'sent');
    await commands.transition('tenant-c', 'session-1', commandId, 'read');
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'delivered')).toBeUndefined();
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'failed', { reason: 'late' })).toBeUndefined();
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'sent')).toBeUndefined();
    const stored = await commands.get('tenant-c', 'session-1', commandId);
    expect(stored?.trail.map((entry) => entry.status)).toEqual(['queued', 'sending', 'sent', 'read']);
  });

  it("records the claimer's ownership epoch with a claim and a retry, and keeps it through later moves", async () => {
    const commandId = newId();
    await commands.create({ ...base, commandId, payload: {} });
    const claimed = await commands.transition('tenant-c', 'session-1', commandId, 'sending', { keepPending: true, claimEpoch: 4 });
    expect(claimed?.claimEpoch).toBe(4);
    const retried = await commands.retrySending('tenant-c', 'session-1', commandId, claimed!.updatedAt, 'retry', 5);
    expect(retried?.claimEpoch).toBe(5);
    expect((await commands.transition('tenant-c', 'session-1', commandId, 'sent'))?.claimEpoch).toBe(5);
  });

  it('moves only from the statuses a caller names', async () => {
    const commandId = newId();
    await commands.create({ ...base, commandId, payload: {} });
    await commands.transition('tenant-c', 'session-1', commandId, 'sending');
    await commands.transition('tenant-c', 'session-1', commandId, 'sent');
    // A failure decided on a stale `sending` read must not override the `sent` that landed meanwhile...
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'failed', { from: ['sending'] })).toBeUndefined();
    // ...while WhatsApp rejecting the message after its ack may.
    expect(await commands.transition('tenant-c', 'session-1', commandId, 'failed', { reason: 'rejected_by_whatsapp' })).toMatchObject({
      status: 'failed',
    });
  });

  it('lists queued commands oldest first until they move on', async () => {
    const sessionId = 'session-q';
    const ids = [newId(1_000), newId(2_000), newId(3_000)];
    for (const commandId of [...ids].reverse()) await commands.create({ ...base, sessionId, commandId, payload: {} });
    expect((await commands.listQueued('tenant-c', sessionId, { limit: 10 })).items.map((c) => c.commandId)).toEqual(ids);
    await commands.transition('tenant-c', sessionId, ids[1]!, 'sending');
    expect((await commands.listQueued('tenant-c', sessionId, { limit: 10 })).items.map((c) => c.commandId)).toEqual([ids[0], ids[2]]);
  });
});
