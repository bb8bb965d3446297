/**
 * The whole system end to end, as `npm run demo` walks it and with the demo's own step functions: the local
 * stack (`local/main.ts` as a child process: emulators, API, webhooks function, WhatsApp simulator, one
 * socket runner child with real Baileys) on free ports in a temporary data directory, and a receiver that
 * verifies webhook signatures. Then the runner is stopped with SIGTERM: the stack starts a new one, which
 * resumes the session from its stored credentials, with no new QR, and sends again.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INBOUND_TEXT, OUTBOUND_TEXT, reportStack, reportSummary, runDemoFlow, type DemoOutcome } from '../../../local/demo/demo-flow.ts';
import { startDemoStack, type DemoStack } from '../../../local/demo/demo-stack.ts';
import { DEMO_PHONES, demoWorld, STEP_COUNT, type DemoWorld } from '../../../local/demo/demo-world.ts';
import { waitForSession } from '../../../local/demo/linking-steps.ts';
import { sendText, waitForDelivered } from '../../../local/demo/messaging-steps.ts';
import { SignedWebhookReceiver } from '../../../local/demo/signed-webhook-receiver.ts';
import { TerminalReporter } from '../../../local/demo/terminal-reporter.ts';

const run = promisify(execFile);
const RESTART = { number: 11, title: 'Restart the runner' };
const AFTER_RESTART = { number: 12, title: 'Send again through the new runner' };

let dataDir: string;
let stack: DemoStack;
let receiver: SignedWebhookReceiver;
let world: DemoWorld;
let outcome: DemoOutcome | undefined;
let failed = false;
const transcript: string[] = [];

/** The transcript's `export NAME=value` lines and the curl command printed right after `after`. */
function printed(after: string): { exports: string; curl: string } {
  const text = transcript.join('');
  const exports = [...text.matchAll(/^\s*(export [A-Z]+=.*)$/gm)].map((match) => match[1]).join('\n');
  const from = text.indexOf(after);
  const curl = /\$ (curl(?:[^\n]*\\\n)*[^\n]*)/.exec(text.slice(from))?.[1];
  if (from < 0 || !curl) throw new Error(`no curl command printed after "${after}"`);
  return { exports, curl };
}

/** Runs a printed curl command in a shell with the printed exports, as a newcomer would paste them. */
async function repeatByHand(after: string): Promise<unknown> {
  const { exports, curl } = printed(after);
  const { stdout } = await run('sh', ['-c', `${exports}\n${curl}`], { timeout: 10_000 });
  return JSON.parse(stdout);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-e2e-stack-'));
  receiver = await SignedWebhookReceiver.start();
  const started = performance.now();
  stack = await startDemoStack({ dataDir });
  const reporter = new TerminalReporter((text) => transcript.push(text), false);
  reportStack(reporter, stack, performance.now() - started);
  world = demoWorld({ stack, receiver, reporter });
}, 60_000);

afterEach(({ task }) => {
  if (task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  const code = await stack?.stop(30_000);
  await receiver?.close();
  expect(code, `the stack's exit code; its log: ${dataDir}/stack.log`).toBe(0);
  // Kept when something failed: the stack's log (runner included) is what explains it.
  if (failed) process.stderr.write(`full-flow: the stack's log is kept in ${dataDir}/stack.log\n`);
  else rmSync(dataDir, { recursive: true, force: true });
}, 40_000);

describe('the whole stack, as npm run demo walks it', () => {
  it('links a session by QR, delivers a message and reports the reply as a signed webhook', async () => {
    const started = performance.now();
    outcome = await runDemoFlow(world);
    reportSummary(world, outcome, performance.now() - started);

    expect(outcome.session).toMatchObject({ status: 'open', phoneNumber: DEMO_PHONES.account });
    expect(outcome.scan.jid).toMatch(/^4915550000001:\d+@s\.whatsapp\.net$/);
    expect(outcome.delivered.trail.map((entry) => entry.status)).toEqual(expect.arrayContaining(['queued', 'sending', 'delivered']));
    expect(outcome.delivered.trail[0]!.status).toBe('queued');
    expect(outcome.delivered.receivedText).toBe(OUTBOUND_TEXT);
    expect(outcome.inbound.event).toMatchObject({
      type: 'message.received',
      tenantId: outcome.tenant.tenantId,
      sessionId: outcome.session.id,
      data: { from: DEMO_PHONES.contact.slice(1), type: 'text', text: INBOUND_TEXT },
    });
    const sessionEvents = receiver.verified.map((delivery) => delivery.event).filter((event) => event.sessionId === outcome!.session.id);
    expect(sessionEvents.filter((event) => event.type === 'session.qr')).toHaveLength(1);
    expect(sessionEvents).toContainEqual(expect.objectContaining({ type: 'session.status', data: expect.objectContaining({ status: 'open' }) }));
    expect(sessionEvents).toContainEqual(
      expect.objectContaining({ type: 'message.status', data: expect.objectContaining({ messageId: outcome.message.messageId, status: 'delivered' }) }),
    );
    expect(receiver.rejected).toEqual([]);
  }, 60_000);

  it('prints every step with requests a newcomer can repeat by hand', async () => {
    expect(outcome, 'the flow above completed').toBeDefined();
    const text = transcript.join('');
    for (let step = 1; step <= STEP_COUNT; step++) expect(text).toContain(`[${step}/${STEP_COUNT}] `);

    const session = await repeatByHand('Wait for the session to open');
    expect(session).toMatchObject({ id: outcome!.session.id, status: 'open' });
    // The same Idempotency-Key, so pasting the send again replays its answer instead of sending twice.
    const resent = await repeatByHand('Send a text message');
    expect(resent).toMatchObject({ messageId: outcome!.message.messageId });
    const inbox = (await repeatByHand("What the contact's phone decrypted")) as { messages: { id: string }[] };
    expect(inbox.messages.map((message) => message.id)).toEqual([outcome!.message.waMessageId]);
  });

  it('refuses a delivery whose signature does not verify', async () => {
    const forged = await fetch(receiver.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,bm90IGEgc2lnbmF0dXJl' },
      body: JSON.stringify(outcome?.inbound.event ?? {}),
    });

    expect(forged.status).toBe(401);
    expect(receiver.rejected).toEqual([expect.objectContaining({ webhookId: 'msg_forged' })]);
    expect(receiver.verified.some((delivery) => delivery.webhookId === 'msg_forged')).toBe(false);
  });

  it('resumes the session on a restarted runner without a new QR, and sends through it', async () => {
    expect(outcome, 'the flow above completed').toBeDefined();
    const { tenant, session } = outcome!;
    const [before] = await stack.runners();
    expect(before).toMatchObject({ runnerId: session.ownerRunnerId, healthy: true });
    const qrsBefore = receiver.events('session.qr').length;

    process.kill(before!.pid!, 'SIGTERM');
    const resumed = await waitForSession(world, tenant, session.id, {
      step: RESTART,
      what: 'the session to open on a new runner',
      until: (view) => view.status === 'open' && view.ownerRunnerId !== undefined && view.ownerRunnerId !== before!.runnerId,
      timeoutMs: 40_000,
    });

    const [after] = await stack.runners();
    expect(after).toMatchObject({ runnerId: resumed.session.ownerRunnerId, healthy: true });
    expect(after!.pid).not.toBe(before!.pid);
    expect(resumed.session.phoneNumber).toBe(DEMO_PHONES.account);
    const again = await sendText(world, tenant, session.id, 'Sent after the restart', AFTER_RESTART);
    const delivered = await waitForDelivered(world, tenant, session.id, again, AFTER_RESTART);
    expect(delivered.receivedText).toBe('Sent after the restart');
    const opened = () => receiver.events('session.status').filter((delivery) => delivery.event.sessionId === session.id && delivery.event.data.status === 'open');
    await expect.poll(() => opened().length, { timeout: 10_000 }).toBe(2);
    expect(receiver.events('session.qr')).toHaveLength(qrsBefore);
    const stats = (await (await fetch(`${stack.simulatorUrl}/sim/stats`)).json()) as { totals: { overlaps: number } };
    expect(stats.totals.overlaps).toBe(0);
  }, 60_000);
});
