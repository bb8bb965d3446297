import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlCampaign, listRecipients } from '../../../core/campaigns/campaign-controls.ts';
import { applyOptOut } from '../../../core/campaigns/opt-out.ts';
import { runSchedulerTick } from '../../../core/campaigns/run-scheduler-tick.ts';
import { openTable } from '../../../core/aws/tables.ts';
import { newEvent } from '../../../core/events/event-publisher.ts';
import { ConflictError } from '../../../core/errors.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { MINUTE, campaignWorld, commandsOf, digitsOf, drainEvents, openSession, recipients, runFakeRunner, type CampaignWorld } from './campaign-fixture.ts';

const START = Date.parse('2025-06-10T10:00:00Z');

describe('campaign pause, resume, cancel and suppression', () => {
  let aws: AwsFixture;
  let world: CampaignWorld;

  // A fresh set of tables and queues per test: the scheduler sees every due campaign of its tables.
  beforeEach(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    world = campaignWorld(aws, START);
  });
  afterEach(() => {
    world.close();
    aws.close();
  });

  const tick = async () => {
    const summary = await runSchedulerTick(world.deps);
    const runner = await runFakeRunner(world);
    world.clock.advance(MINUTE);
    return { summary, runner };
  };

  it('pauses (nothing new goes out), resumes without a burst, and cancels with the rest skipped', async () => {
    const tenantId = 'tenant-controls';
    await openSession(world, tenantId);
    const campaign = await world.create(tenantId, {
      name: 'controls',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(50),
      pace: { perMinute: 10, jitterPercent: 0 },
    });
    const key = { tenantId, campaignId: campaign.campaignId };
    const controls = world.deps;

    expect((await tick()).runner.received).toBe(10);
    const paused = await controlCampaign(key, 'pause', controls);
    expect(paused).toMatchObject({ status: 'paused', pauseReason: 'tenant' });
    for (let i = 0; i < 3; i++) expect((await tick()).runner.received).toBe(0);
    expect(await world.deps.campaigns.get(key)).toMatchObject({ status: 'paused', cursor: 10, counts: { delivered: 10, pending: 40 } });
    await expect(controlCampaign(key, 'pause', controls)).rejects.toBeInstanceOf(ConflictError);

    await world.deps.campaigns.get(key);
    expect(await controlCampaign(key, 'resume', controls)).toMatchObject({ status: 'running' });
    // Three paused minutes do not turn into a burst.
    expect((await tick()).runner.received).toBe(10);

    // A slice handed to the runner but not yet sent when the campaign is cancelled is failed, not sent.
    await runSchedulerTick(world.deps);
    world.clock.advance(MINUTE);
    const cancelled = await controlCampaign(key, 'cancel', controls);
    expect(cancelled).toMatchObject({ status: 'cancelled', counts: { pending: 0, skipped: 20, queued: 10, delivered: 20 } });
    await runSchedulerTick(world.deps);
    expect((await runFakeRunner(world)).sent).toHaveLength(0);
    await expect(controlCampaign(key, 'resume', controls)).rejects.toMatchObject({ code: 'campaign_cancelled', statusCode: 409 });

    const stored = await world.deps.campaigns.get(key);
    expect(stored!.counts).toEqual({ pending: 0, queued: 0, sent: 0, delivered: 20, read: 0, failed: 0, suppressed: 0, skipped: 30 });
    const skipped = await listRecipients(key, { limit: 100, status: 'skipped' }, world.deps);
    expect(skipped.items).toHaveLength(30);
    expect(skipped.items.every((recipient) => recipient.status === 'skipped')).toBe(true);
    const statuses = (await drainEvents(world)).filter((e) => e.type === 'campaign.progress').map((e) => (e.data as { status: string }).status);
    expect(statuses).toEqual(expect.arrayContaining(['running', 'paused', 'cancelled']));
    // Cancelled: the scheduler only keeps watching delivered messages for read receipts, at a slow cadence.
    expect(stored!.nextRunAt).toBe(new Date(world.clock.now() + 5 * MINUTE).toISOString());
  });

  it('never messages suppressed numbers: listed before the campaign, added mid-campaign, or opted out by keyword', async () => {
    const tenantId = 'tenant-suppress';
    await openSession(world, tenantId);
    await world.deps.suppressions.add(tenantId, [digitsOf(0)], 'api');
    const campaign = await world.create(tenantId, {
      name: 'suppression',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(30),
      pace: { perMinute: 10, jitterPercent: 0 },
    });
    const key = { tenantId, campaignId: campaign.campaignId };

    const first = await tick();
    expect(first.runner.sent.map((s) => s.split(':')[0])).not.toContain(digitsOf(0));
    expect(first.runner.received).toBe(9);

    await world.deps.suppressions.add(tenantId, [digitsOf(15)], 'api');
    const optOut = newEvent('message.received', { tenantId, sessionId: 'session-1' }, {
      waMessageId: 'ABC',
      from: digitsOf(25),
      chat: `${digitsOf(25)}@s.whatsapp.net`,
      timestamp: new Date().toISOString(),
      type: 'text',
      text: ' Stop! ',
    });
    expect(await applyOptOut(optOut, { tenants: openTable(world.clients.doc, 'tenants', aws.env) })).toEqual({ phoneNumber: digitsOf(25), keyword: 'STOP' });
    // Someone else's keyword in a group does nothing.
    const group = { ...optOut, data: { ...optOut.data, from: digitsOf(26), chat: '120363025246125486@g.us' } };
    expect(await applyOptOut(group, { tenants: openTable(world.clients.doc, 'tenants', aws.env) })).toEqual({});

    const sent: string[] = [...first.runner.sent];
    for (let i = 0; i < 4; i++) sent.push(...(await tick()).runner.sent);
    const numbers = sent.map((s) => s.split(':')[0]);
    expect(numbers).toHaveLength(27);
    for (const suppressed of [digitsOf(0), digitsOf(15), digitsOf(25)]) expect(numbers).not.toContain(suppressed);
    expect(numbers).toContain(digitsOf(26));

    const stored = await world.deps.campaigns.get(key);
    expect(stored).toMatchObject({ status: 'completed' });
    expect(stored!.counts).toMatchObject({ delivered: 27, suppressed: 3, pending: 0, queued: 0 });
    const suppressed = await listRecipients(key, { limit: 100, status: 'suppressed' }, world.deps);
    expect(suppressed.items.map((r) => r.index)).toEqual([0, 15, 25]);
    expect((await commandsOf(world, aws, tenantId)).length).toBe(27);
  });
});
