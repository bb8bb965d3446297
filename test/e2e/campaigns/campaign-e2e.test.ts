/**
 * End to end: a real socket runner (child process, real Baileys) paired with the WhatsApp simulator, and
 * the campaign scheduler ticked directly by the test every 3 s of real time instead of EventBridge's
 * minute (its clock advances exactly one tick per call, so slices are deterministic). A campaign to 51
 * recipients at 120/min, one of them suppressed, delivers exactly 50 messages, six per tick, none while
 * paused, and ends with accurate counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCampaign } from '../../../core/campaigns/campaign-controls.ts';
import { runSchedulerTick } from '../../../core/campaigns/run-scheduler-tick.ts';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { campaignWorld, digitsOf, recipients, type CampaignWorld } from '../../integration/campaigns/campaign-fixture.ts';

const TICK_MS = 3_000;
const ACCOUNT = '+15550001234';
const tenantId = 'tenant-e2e';
const sessionId = 'session-e2e';

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('campaign end to end with a real runner and the WhatsApp simulator', () => {
  let aws: AwsFixture;
  let sim: WaSimulator;
  let world: CampaignWorld;
  let runner: ChildProcess | undefined;
  let runnerOutput = '';

  beforeAll(async () => {
    sim = await new WaSimulator({ receipts: { deliveredMs: 250 } }).start({ port: 0 });
    aws = await provisionedAws({ slotCount: 1 });
    world = campaignWorld(aws, Date.now(), { tickMs: TICK_MS, staleStepMs: 60_000 });
    await world.sessions.create({ tenantId, sessionId, pacing: { perMinute: 120, burst: 20, jitterMs: 0 } });
    runner = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--import', './local/wa-simulator/preload.ts', 'socket-runner/main.ts'], {
      cwd: process.cwd(),
      env: {
        ...process.env,
        ...aws.env,
        RUNNER_ID: 'e2e-campaign-runner',
        HEALTH_PORT: '0',
        WA_WEB_SOCKET_URL: sim.url,
        WA_SIMULATOR: 'true',
        WA_SIM_ROOT_PUBLIC_KEY: sim.rootPublicKey.toString('base64'),
        LOG_LEVEL: 'ERROR',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        PLACEMENT_INTERVAL_MS: '500',
        SLOT_RETRY_MS: '500',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (runnerOutput = (runnerOutput + chunk.toString()).slice(-20_000));
    runner.stdout!.on('data', keep);
    runner.stderr!.on('data', keep);

    const qr = await until('the runner to publish a QR', async () => (await world.sessions.get(tenantId, sessionId))?.qr, 60_000);
    await sim.scan(qr, ACCOUNT);
    await until('the session to open', async () => (await world.sessions.get(tenantId, sessionId))?.status === 'open', 60_000);
  }, 150_000);

  afterAll(async () => {
    if (runner && runner.exitCode === null) {
      const exited = new Promise((resolve) => runner!.once('exit', resolve));
      runner.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (runner.exitCode === null) runner.kill('SIGKILL');
    }
    world?.close();
    aws?.close();
    await sim?.stop();
  }, 30_000);

  it('delivers exactly 50 messages at the pace, honours pause/resume and a suppressed number, and counts them all', async () => {
    const list = recipients(51);
    const suppressedIndex = 37;
    await world.deps.suppressions.add(tenantId, [digitsOf(suppressedIndex)], 'api');
    const campaign = await world.create(tenantId, {
      sessionId,
      name: 'e2e',
      message: { type: 'text', text: 'Hello {{name}}!' },
      recipients: list,
      pace: { perMinute: 120, jitterPercent: 0 },
    });
    const key = { tenantId, campaignId: campaign.campaignId };
    const contacts = list.map((recipient) => recipient.to);
    const delivered = () => contacts.reduce((sum, contact) => sum + sim.received(contact).length, 0);

    const started = Date.now();
    let ticks = 0;
    const tick = async () => {
      // Real time keeps step with the scheduler's clock: one tick every TICK_MS.
      const due = started + ticks++ * TICK_MS;
      if (Date.now() < due) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const summary = await runSchedulerTick(world.deps);
      world.clock.advance(TICK_MS);
      return summary;
    };
    const settle = async (expected: number) => {
      await until(`${expected} messages at the contacts (have ${delivered()}; runner: ${runnerOutput.slice(-500)})`, () => delivered() === expected, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(delivered()).toBe(expected);
    };

    // 120/min with a 3 s tick: six recipients per tick.
    expect((await tick()).enqueued).toBe(6);
    await settle(6);
    expect((await tick()).enqueued).toBe(6);
    await settle(12);

    await controlCampaign(key, 'pause', world.deps);
    expect((await tick()).enqueued).toBe(0);
    expect((await tick()).enqueued).toBe(0);
    expect(delivered()).toBe(12);
    await controlCampaign(key, 'resume', world.deps);

    // The slice holding the suppressed recipient (36-41) sends five; the last slice holds the last three.
    for (const expected of [18, 24, 30, 36, 41, 47, 50]) {
      await tick();
      await settle(expected);
    }

    const final = await until(
      'the campaign to complete with every receipt counted',
      async () => {
        await tick();
        const stored = await world.deps.campaigns.get(key);
        return stored?.status === 'completed' && stored.counts.delivered + stored.counts.read === 50 ? stored : undefined;
      },
      60_000,
    );
    expect(final.counts).toMatchObject({ pending: 0, queued: 0, sent: 0, failed: 0, suppressed: 1, skipped: 0 });
    contacts.forEach((contact, index) => {
      const got = sim.received(contact).map((message) => message.text);
      expect(got, contact).toEqual(index === suppressedIndex ? [] : [`Hello R${index}!`]);
    });
    expect(sim.stats().totals.overlaps).toBe(0);
  }, 240_000);
});
