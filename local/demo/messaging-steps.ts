/**
 * Demo steps 7 to 9: a text message sent through the API (recorded, queued, sent by the runner, receipted
 * by the contact's phone), what the contact received, and the contact's answer arriving at the demo's
 * receiver as a signed `message.received` webhook.
 */
import * as z from 'zod';
import { randomToken } from '../../core/ids.ts';
import { errorSummary, expectStatus, parseBody } from './demo-http.ts';
import { STEPS, stepLabel, type DemoStep, type DemoWorld } from './demo-world.ts';
import { done, eventually, pending } from './eventually.ts';
import { seconds } from './linking-steps.ts';
import { tenantBearer, type Tenant } from './setup-steps.ts';
import type { VerifiedDelivery } from './signed-webhook-receiver.ts';
import { StepFailure } from './step-failure.ts';

const accepted = z.object({ messageId: z.string().min(1), waMessageId: z.string().min(1), status: z.literal('queued') });
const trailEntry = z.object({ status: z.string(), at: z.string(), reason: z.string().optional() });
const messageView = z.object({
  messageId: z.string(),
  status: z.string(),
  waMessageId: z.string().optional(),
  trail: z.array(trailEntry),
  failure: z.object({ code: z.string(), message: z.string() }).optional(),
});
const contactInbox = z.object({ messages: z.array(z.object({ id: z.string(), text: z.string().optional() })) });
const inboundSent = z.object({ id: z.string(), devices: z.number() });

export type TrailEntry = z.infer<typeof trailEntry>;

export interface SentMessage {
  readonly messageId: string;
  readonly waMessageId: string;
  readonly text: string;
}

export interface DeliveredMessage {
  readonly status: string;
  readonly trail: readonly TrailEntry[];
  /** The text the contact's phone decrypted. */
  readonly receivedText: string | undefined;
}

export async function sendText(world: DemoWorld, tenant: Tenant, sessionId: string, text: string, step: DemoStep = STEPS.send): Promise<SentMessage> {
  world.reporter.step(
    step,
    `Accepted (202) once recorded in DynamoDB, then queued to the runner's slot queue (SQS FIFO, one group per session). ` +
      'The WhatsApp message id is derived from the message id, and the Idempotency-Key makes a retried POST safe.',
  );
  const response = await world.api.send(stepLabel(step), {
    method: 'POST',
    path: `/v1/sessions/${sessionId}/messages`,
    bearer: tenantBearer(tenant),
    headers: { 'Idempotency-Key': `demo-${randomToken(6)}` },
    body: { to: world.phones.contact, type: 'text', text },
    shown: { path: '/v1/sessions/$SESSION/messages' },
  });
  world.reporter.request(response.curl);
  expectStatus(stepLabel(step), response, 202);
  const message = parseBody(stepLabel(step), response, accepted);
  world.reporter.result(`202 Accepted: message ${message.messageId}, WhatsApp id ${message.waMessageId}`);
  world.reporter.exports({ MESSAGE: message.messageId });
  return { messageId: message.messageId, waMessageId: message.waMessageId, text };
}

/** Polls the message until the contact's delivery receipt moved it to delivered (or read); a failure fails at once. */
export async function waitForDelivered(world: DemoWorld, tenant: Tenant, sessionId: string, message: SentMessage, step: DemoStep = STEPS.delivered): Promise<DeliveredMessage> {
  const label = stepLabel(step);
  world.reporter.step(step, 'The runner sends it through Baileys (paced per session); the status advances with the server ack and the contact\'s delivery receipt.');
  const started = performance.now();
  let curl: string | undefined;
  const view = await eventually(
    async () => {
      const response = await world.api.send(label, {
        method: 'GET',
        path: `/v1/sessions/${sessionId}/messages/${message.messageId}`,
        bearer: tenantBearer(tenant),
        shown: { path: '/v1/sessions/$SESSION/messages/$MESSAGE' },
      });
      curl ??= response.curl;
      expectStatus(label, response, 200);
      const view = parseBody(label, response, messageView);
      if (view.status === 'failed') throw new StepFailure(label, `the message failed: ${view.failure?.code ?? '?'} (${view.failure?.message ?? 'no reason'})`, world.hint);
      return view.status === 'delivered' || view.status === 'read' ? done(view) : pending(`status ${view.status}`);
    },
    { step: label, what: `message ${message.messageId} to be delivered`, timeoutMs: world.timeouts.deliveredMs, hint: world.hint },
  );
  world.reporter.request(curl!);
  world.reporter.result(`${view.status} after ${seconds(started)}; its status trail:`);
  world.reporter.block(renderTrail(view.trail));

  const contact = world.phones.contact.replace(/^\+/, '');
  const inbox = await world.sim.send(label, { method: 'GET', path: `/sim/received?to=${contact}` });
  expectStatus(label, inbox, 200);
  const received = parseBody(label, inbox, contactInbox).messages.find((entry) => entry.id === message.waMessageId);
  if (!received) throw new StepFailure(label, `the contact ${world.phones.contact} has no message with id ${message.waMessageId}`, world.hint);
  world.reporter.note(`What the contact's phone decrypted (the simulator's view):`);
  world.reporter.request(inbox.curl);
  world.reporter.result(`"${received.text ?? ''}" with id ${received.id}: the id the API promised in step ${STEPS.send.number}`);
  return { status: view.status, trail: view.trail, receivedText: received.text };
}

/** The contact writes to the linked phone; waits for the verified `message.received` webhook carrying it. */
export async function contactWritesBack(world: DemoWorld, sessionId: string, text: string): Promise<VerifiedDelivery> {
  const step = STEPS.inbound;
  const label = stepLabel(step);
  world.reporter.step(
    step,
    `The contact ${world.phones.contact} writes to ${world.phones.account}. The runner decrypts it and publishes message.received; ` +
      'the webhooks function signs it and POSTs it to the receiver, which verifies the signature before trusting a byte of it.',
  );
  const started = performance.now();
  const response = await world.sim.send(label, { method: 'POST', path: '/sim/inbound', body: { from: world.phones.contact, to: world.phones.account, text } });
  world.reporter.request(response.curl);
  if (response.status !== 200) throw new StepFailure(label, `the simulator refused the message: HTTP ${response.status}${errorSummary(response.body)}`);
  const sent = parseBody(label, response, inboundSent);
  world.reporter.result(`200: sent as ${sent.id} to ${sent.devices} linked device(s)`);

  const delivery = await eventually(
    async () => {
      const match = world.receiver
        .events('message.received')
        .find((delivery) => delivery.event.sessionId === sessionId && delivery.event.data.text === text);
      if (match) return done(match);
      const rejected = world.receiver.rejected.at(-1);
      return pending(rejected ? `a delivery rejected by the receiver: ${rejected.reason}` : `${world.receiver.verified.length} other verified deliveries`);
    },
    { step: label, what: 'the signed message.received webhook', timeoutMs: world.timeouts.webhookMs, hint: world.hint },
  );
  world.reporter.result(`webhook received after ${seconds(started)}, signature verified with the endpoint's secret:`);
  world.reporter.block(
    [
      `webhook-id: ${delivery.webhookId}`,
      `webhook-timestamp: ${delivery.timestamp}`,
      `webhook-signature: ${delivery.signature.slice(0, 24)}...`,
      '',
      JSON.stringify(delivery.event, null, 2),
    ].join('\n'),
  );
  return delivery;
}

function renderTrail(trail: readonly TrailEntry[]): string {
  const first = Date.parse(trail[0]?.at ?? '');
  return trail
    .map((entry) => {
      const offset = Number.isNaN(first) ? '' : `  +${((Date.parse(entry.at) - first) / 1000).toFixed(2)} s`;
      return `${entry.status.padEnd(10)} ${entry.at}${offset}${entry.reason ? `  (${entry.reason})` : ''}`;
    })
    .join('\n');
}
