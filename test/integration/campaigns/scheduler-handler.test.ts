import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeScheduler, tick } from '../../../lambdas/scheduler/handler.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { campaignWorld, openSession, recipients, type CampaignWorld } from './campaign-fixture.ts';

describe('scheduler function', () => {
  let aws: AwsFixture;
  let world: CampaignWorld;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 2 });
    world = campaignWorld(aws, Date.now());
  });
  afterAll(() => {
    world.close();
    aws.close();
  });

  it('is composed from the environment and advances due campaigns on a tick', async () => {
    const deps = composeScheduler(aws.env);
    expect(await tick({}, deps)).toMatchObject({ due: 0 });

    await openSession(world, 'tenant-fn');
    await world.create('tenant-fn', { name: 'fn', message: { type: 'text', text: 'Hi {{name}}' }, recipients: recipients(3) });
    const summary = await tick({}, deps);
    expect(summary).toMatchObject({ due: 1, advanced: 1, enqueued: 3, failed: 0 });
    const delivered = await world.slotQueues.queue(0).receive({ maxMessages: 10, waitSeconds: 0 });
    expect(delivered).toHaveLength(3);
  });
});
