import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSchedulerTick } from '../../../core/campaigns/run-scheduler-tick.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { MINUTE, campaignWorld, openSession, recipients, runFakeRunner, type CampaignWorld } from './campaign-fixture.ts';

describe('a 10,000-recipient campaign', () => {
  let aws: AwsFixture;
  let world: CampaignWorld;
  const tenantId = 'tenant-big';

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    world = campaignWorld(aws, Date.parse('2025-06-10T10:00:00Z'), { maxSendsPerTick: 150 });
    // The session allows the campaigns' pace (a campaign never outpaces its session).
    await openSession(world, tenantId, 'session-1', { perMinute: 120, burst: 20, jitterMs: 0 });
  }, 60_000);
  afterAll(() => {
    world.close();
    aws.close();
  });

  it('is stored as one small item per recipient and advanced in paced slices with bounded work per tick', async () => {
    const started = performance.now();
    const big = await world.create(tenantId, {
      name: 'big',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(10_000),
      pace: { perMinute: 120, jitterPercent: 0 },
    });
    const createMs = performance.now() - started;
    expect(big).toMatchObject({ total: 10_000, intake: { accepted: 10_000 } });
    // A second campaign on the same session competes for the per-tick budget of 150 sends.
    const small = await world.create(tenantId, {
      name: 'small',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(500, 20_000),
      pace: { perMinute: 120, jitterPercent: 0 },
    });

    const work: { dynamo: number; sqs: number; enqueued: number; reconciled: number }[] = [];
    for (let tick = 0; tick < 4; tick++) {
      world.dynamoCalls.reset();
      world.sqsCalls.reset();
      const summary = await runSchedulerTick(world.deps);
      work.push({ dynamo: world.dynamoCalls.total(), sqs: world.sqsCalls.total(), enqueued: summary.enqueued, reconciled: summary.reconciled });
      await runFakeRunner(world);
      world.clock.advance(MINUTE);
    }

    // Bounded: at most the budget per tick across campaigns, and calls in proportion to the slice and the
    // outcomes reconciled, never to the list: per enqueued recipient one command write and one recipient
    // write, per reconciled outcome one recipient write, reads in batches, SQS in batches of 10.
    for (const tick of work) {
      expect(tick.enqueued).toBe(150);
      expect(tick.reconciled).toBeLessThanOrEqual(150);
      expect(tick.dynamo).toBeLessThanOrEqual(2 * tick.enqueued + tick.reconciled + 30);
      expect(tick.sqs).toBeLessThanOrEqual(Math.ceil(120 / 10) + Math.ceil(30 / 10) + 4);
    }
    expect(work[1]!.reconciled).toBe(150);
    const stored = await world.deps.campaigns.get({ tenantId, campaignId: big.campaignId });
    const other = await world.deps.campaigns.get({ tenantId, campaignId: small.campaignId });
    expect(stored!.cursor + other!.cursor).toBe(600);
    expect(stored!.counts.pending + stored!.counts.queued + stored!.counts.delivered).toBe(10_000);
    console.info(`10k campaign created in ${Math.round(createMs)} ms; work per tick: ${JSON.stringify(work)}`);
  }, 120_000);
});
