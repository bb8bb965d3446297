import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runSchedulerTick } from '../../../core/campaigns/run-scheduler-tick.ts';
import { listRecipients } from '../../../core/campaigns/campaign-controls.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { MINUTE, campaignWorld, commandsOf, digitsOf, drainEvents, openSession, recipients, runFakeRunner, type CampaignWorld } from './campaign-fixture.ts';

const START = Date.parse('2025-06-10T10:00:00Z');

describe('campaign scheduler on the emulators', () => {
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

  it('sends a campaign at its pace, one command per recipient, and ends with exact counts', async () => {
    const tenantId = 'tenant-pace';
    await openSession(world, tenantId);
    const campaign = await world.create(tenantId, {
      name: 'spring sale',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(25),
      pace: { perMinute: 10, jitterPercent: 0 },
    });
    expect(campaign).toMatchObject({ status: 'scheduled', total: 25, counts: { pending: 25 } });
    const failFor = new Set([digitsOf(3)]);

    const perTick: number[] = [];
    const texts: string[] = [];
    for (let tick = 0; tick < 6; tick++) {
      const summary = await runSchedulerTick(world.deps);
      const runner = await runFakeRunner(world, { failFor });
      perTick.push(runner.received);
      texts.push(...runner.sent);
      world.clock.advance(MINUTE);
      if (tick === 0) expect(summary).toMatchObject({ due: 1, advanced: 1, enqueued: 10 });
    }

    expect(perTick).toEqual([10, 10, 5, 0, 0, 0]);
    expect(texts).toHaveLength(24);
    expect(texts).toContain(`${digitsOf(0)}:Hi R0`);
    const stored = await world.deps.campaigns.get({ tenantId, campaignId: campaign.campaignId });
    expect(stored).toMatchObject({ status: 'completed', cursor: 25 });
    expect(stored!.counts).toEqual({ pending: 0, queued: 0, sent: 0, delivered: 24, read: 0, failed: 1, suppressed: 0, skipped: 0 });
    expect(stored!.step).toBeUndefined();

    const commands = await commandsOf(world, aws, tenantId);
    expect(commands).toHaveLength(25);
    expect(new Set(commands.map((command) => command.campaignId))).toEqual(new Set([campaign.campaignId]));

    const failed = await listRecipients({ tenantId, campaignId: campaign.campaignId }, { limit: 50, status: 'failed' }, world.deps);
    expect(failed.items).toEqual([expect.objectContaining({ index: 3, status: 'failed', reason: 'not_on_whatsapp', phoneNumber: digitsOf(3) })]);

    const events = (await drainEvents(world)).filter((event) => event.type === 'campaign.progress');
    const statuses = events.map((event) => (event.data as { status: string }).status);
    expect(statuses[0]).toBe('running');
    expect(statuses.at(-1)).toBe('completed');
    expect(events.length).toBeLessThanOrEqual(12); // status changes and tenths, never per message
    expect(events.at(-1)!.data).toMatchObject({ campaignId: campaign.campaignId, counts: { delivered: 24, failed: 1, total: 25 } });
  });

  it('does not send anything twice when ticks repeat or run concurrently', async () => {
    const tenantId = 'tenant-race';
    await openSession(world, tenantId);
    const campaign = await world.create(tenantId, {
      name: 'race',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(40),
      pace: { perMinute: 10, jitterPercent: 0 },
    });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([runSchedulerTick(world.deps), runSchedulerTick(world.deps), runSchedulerTick(world.deps)]);
      expect(results.reduce((sum, result) => sum + result.enqueued, 0)).toBe(10);
      // The same tick again, at the same instant: nothing new is due.
      await runSchedulerTick(world.deps);
      await runFakeRunner(world);
      world.clock.advance(MINUTE);
    }
    const commands = await commandsOf(world, aws, tenantId);
    expect(commands).toHaveLength(30);
    expect(new Set(commands.map((command) => command.sk)).size).toBe(30);
    expect(commands.every((command) => command.status === 'delivered')).toBe(true);
    const stored = await world.deps.campaigns.get({ tenantId, campaignId: campaign.campaignId });
    expect(stored).toMatchObject({ cursor: 30 });
    expect(stored!.counts.pending + stored!.counts.queued + stored!.counts.delivered).toBe(40);
  });
});
