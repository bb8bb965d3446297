import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { controlCampaign } from '../../../core/campaigns/campaign-controls.ts';
import type { CampaignCommands } from '../../../core/campaigns/campaign-commands.ts';
import { runSchedulerTick } from '../../../core/campaigns/run-scheduler-tick.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import {
  MINUTE,
  campaignWorld,
  commandsOf,
  digitsOf,
  openSession,
  recipients,
  runFakeRunner,
  setSessionStatus,
  type CampaignWorld,
} from './campaign-fixture.ts';

describe('campaign guard rails on the emulators', () => {
  let aws: AwsFixture;
  let world: CampaignWorld;
  const tenantId = 'tenant-guards';

  beforeEach(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    world = campaignWorld(aws, Date.parse('2025-06-10T10:00:00Z'));
    await openSession(world, tenantId);
  });
  afterEach(() => {
    world.close();
    aws.close();
  });

  const tick = async (options: { failFor?: ReadonlySet<string> } = {}) => {
    const summary = await runSchedulerTick(world.deps);
    const runner = await runFakeRunner(world, options);
    world.clock.advance(MINUTE);
    return { summary, runner };
  };
  const newCampaign = (count: number, extra: Record<string, unknown> = {}) =>
    world.create(tenantId, {
      name: 'guards',
      message: { type: 'text', text: 'Hi {{name}}' },
      recipients: recipients(count),
      pace: { perMinute: 10, jitterPercent: 0 },
      ...extra,
    });

  it('auto-pauses with a visible reason when the session logs out, and resumes on request', async () => {
    const campaign = await newCampaign(30);
    const key = { tenantId, campaignId: campaign.campaignId };
    await tick();
    await setSessionStatus(world, tenantId, 'needs_pairing');
    expect((await tick()).runner.received).toBe(0);
    expect(await world.deps.campaigns.get(key)).toMatchObject({ status: 'paused', pauseReason: 'session_logged_out', cursor: 10 });

    await setSessionStatus(world, tenantId, 'open');
    await controlCampaign(key, 'resume', world.deps);
    expect((await tick()).runner.received).toBe(10);
  });

  it('holds while the session reconnects, expires the stranded slice, and still completes', async () => {
    const campaign = await newCampaign(15);
    const key = { tenantId, campaignId: campaign.campaignId };
    await runSchedulerTick(world.deps); // 10 commands dispatched ...
    const lost = await world.slotQueues.queue(0).receive({ maxMessages: 10, waitSeconds: 0 }); // ... and lost with the runner
    await world.slotQueues.queue(0).deleteMany(lost.map((message) => message.receiptHandle));
    await setSessionStatus(world, tenantId, 'reconnecting');
    world.clock.advance(MINUTE);
    await tick();
    expect(await world.deps.campaigns.get(key)).toMatchObject({ status: 'running', holdReason: 'session_not_open', cursor: 10, counts: { queued: 10 } });

    // Past the commands' deadline (15 min) and grace (2 min): the scheduler fails them as expired.
    world.clock.advance(17 * MINUTE);
    await tick();
    expect(await world.deps.campaigns.get(key)).toMatchObject({ holdReason: 'session_not_open', counts: { queued: 0, failed: 10 } });

    await setSessionStatus(world, tenantId, 'open');
    expect((await tick()).runner.received).toBe(5);
    await tick();
    const stored = await world.deps.campaigns.get(key);
    expect(stored).toMatchObject({ status: 'completed' });
    expect(stored!.counts).toMatchObject({ delivered: 5, failed: 10, queued: 0, pending: 0 });
    // Expiries are not the number's fault: no failure-spike pause on the way.
    expect(stored!.pauseReason).toBeUndefined();
    const expired = (await commandsOf(world, aws, tenantId)).filter((command) => command.status === 'failed');
    expect(expired.map((command) => (command.failure as { code: string }).code)).toEqual(Array(10).fill('expired'));
  });

  it('auto-pauses on a failure spike', async () => {
    const campaign = await newCampaign(60);
    const failing = new Set(Array.from({ length: 60 }, (_, i) => digitsOf(i)).filter((_, i) => i % 2 === 0));
    await tick({ failFor: failing });
    await tick({ failFor: failing });
    await tick({ failFor: failing });
    const stored = await world.deps.campaigns.get({ tenantId, campaignId: campaign.campaignId });
    // Half of the first ten failed (>= 30% of at least 10 outcomes): paused before a second slice.
    expect(stored).toMatchObject({ status: 'paused', pauseReason: 'failure_spike', cursor: 10 });
    expect(stored!.counts).toMatchObject({ failed: 5, delivered: 5, pending: 50 });
  });

  it('keeps quiet hours in the campaign timezone across the spring DST change, and starts on time', async () => {
    // Saturday 2025-03-29 20:58 in Berlin (CET); quiet 21:00-08:00; overnight the clocks spring forward.
    world.clock.t = Date.parse('2025-03-29T19:58:00Z');
    const campaign = await newCampaign(40, { timezone: 'Europe/Berlin', quietHours: { start: '21:00', end: '08:00' } });
    const key = { tenantId, campaignId: campaign.campaignId };
    expect((await tick()).runner.received).toBe(10);
    const [command] = await commandsOf(world, aws, tenantId);
    expect(command!.notAfter).toBe('2025-03-29T20:00:00.000Z'); // never out during quiet hours

    world.clock.t = Date.parse('2025-03-29T20:05:00Z');
    expect((await tick()).runner.received).toBe(0);
    const held = await world.deps.campaigns.get(key);
    expect(held).toMatchObject({ holdReason: 'quiet_hours', nextRunAt: '2025-03-30T06:00:00.000Z' }); // 08:00 CEST

    world.clock.t = Date.parse('2025-03-30T05:59:00Z');
    expect((await runSchedulerTick(world.deps)).due).toBe(0);
    world.clock.t = Date.parse('2025-03-30T06:00:00Z');
    expect((await tick()).runner.received).toBe(10);
    expect(await world.deps.campaigns.get(key)).toMatchObject({ cursor: 20 });
  });

  it('re-applies a step whose tick died half-way, without double sends or miscounts', async () => {
    const campaign = await newCampaign(20);
    const key = { tenantId, campaignId: campaign.campaignId };
    const real = world.deps.commands;
    let creates = 0;
    const dying: CampaignCommands = {
      ...real,
      states: real.states.bind(real),
      failIfQueued: real.failIfQueued.bind(real),
      dispatch: real.dispatch.bind(real),
      create: async (command) => {
        if (++creates === 5) throw new Error('lambda timed out');
        return real.create(command);
      },
    };
    const summary = await runSchedulerTick({ ...world.deps, commands: dying });
    expect(summary).toMatchObject({ failed: 1 });
    expect((await world.deps.campaigns.get(key))!.step).toBeDefined();

    world.clock.advance(MINUTE);
    expect(await runSchedulerTick(world.deps)).toMatchObject({ skipped: 1, enqueued: 0 }); // someone may still be on it
    world.clock.advance(2 * MINUTE);
    await runSchedulerTick(world.deps); // stale: re-applied, then the next slice
    await runFakeRunner(world);
    world.clock.advance(MINUTE);
    await tick();
    await tick();

    const stored = await world.deps.campaigns.get(key);
    expect(stored).toMatchObject({ status: 'completed' });
    expect(stored!.counts).toMatchObject({ delivered: 20, pending: 0, queued: 0 });
    const commands = await commandsOf(world, aws, tenantId);
    expect(commands).toHaveLength(20);
    expect(commands.every((command) => command.status === 'delivered')).toBe(true);
  });

  it('never enqueues faster than the session\'s own pacing allows', async () => {
    await world.sessions.create({ tenantId, sessionId: 'slow-session', pacing: { perMinute: 4, burst: 2, jitterMs: 0 } });
    await world.sessions.updateFromOwner(tenantId, 'slow-session', 1, { status: 'open', slot: 0 });
    await world.create(tenantId, { sessionId: 'slow-session', name: 'slow', message: { type: 'text', text: 'x' }, recipients: recipients(20), pace: { perMinute: 10, jitterPercent: 0 } });
    expect((await tick()).summary.enqueued).toBe(4);
    expect((await tick()).summary.enqueued).toBe(4);
  });
});
