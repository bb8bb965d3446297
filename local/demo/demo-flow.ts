/**
 * The demo's walk through wa-fleet, steps 1 to 9 in order, and the summary of step 10. `npm run demo`
 * runs it against the local stack; the end-to-end test runs the very same function and then goes on
 * (a runner restart), so the two cannot drift apart.
 */
import type { AnyEvent } from '../../core/domain/event.ts';
import type { DemoStack } from './demo-stack.ts';
import { STEPS, type DemoReporter, type DemoWorld } from './demo-world.ts';
import { createSession, scanQr, waitForOpen, waitForQr, type Scan, type SessionView } from './linking-steps.ts';
import { contactWritesBack, sendText, waitForDelivered, type DeliveredMessage, type SentMessage } from './messaging-steps.ts';
import { createTenant, registerWebhook, type Tenant, type Webhook } from './setup-steps.ts';
import type { VerifiedDelivery } from './signed-webhook-receiver.ts';

export const OUTBOUND_TEXT = 'Hello from wa-fleet! Your order #4711 has shipped.';
export const INBOUND_TEXT = 'Thanks, got it!';

export interface DemoOutcome {
  readonly tenant: Tenant;
  readonly webhook: Webhook;
  readonly session: SessionView;
  readonly scan: Scan;
  readonly message: SentMessage;
  readonly delivered: DeliveredMessage;
  readonly inbound: VerifiedDelivery;
}

/** Where the stack is, as the shell variables every printed curl command uses. */
export function reportStack(reporter: DemoReporter, stack: DemoStack, startedInMs: number): void {
  reporter.result(`up in ${(startedInMs / 1000).toFixed(1)} s: API ${stack.apiUrl}, simulator ${stack.simulatorUrl}, log ${stack.logFile}`);
  reporter.note('The curl commands below use these (the admin key is this demo\'s own throwaway key):');
  reporter.exports({ WAF: stack.apiUrl, ADMIN: stack.adminKey, SIM: stack.simulatorUrl });
}

/** Steps 1 to 9; each throws a StepFailure naming itself when it does not complete in time. */
export async function runDemoFlow(world: DemoWorld): Promise<DemoOutcome> {
  const tenant = await createTenant(world);
  const webhook = await registerWebhook(world, tenant);
  const created = await createSession(world, tenant);
  const qr = await waitForQr(world, tenant, created.id);
  const scan = await scanQr(world, tenant, created.id, qr);
  const session = await waitForOpen(world, tenant, created.id);
  const message = await sendText(world, tenant, session.id, OUTBOUND_TEXT);
  const delivered = await waitForDelivered(world, tenant, session.id, message);
  const inbound = await contactWritesBack(world, session.id, INBOUND_TEXT);
  return { tenant, webhook, session, scan, message, delivered, inbound };
}

/** Step 10: what happened, in a few lines, with every webhook the receiver verified counted by type. */
export function reportSummary(world: DemoWorld, outcome: DemoOutcome, elapsedMs: number): void {
  const { reporter, receiver } = world;
  reporter.step(STEPS.summary, `The whole flow took ${(elapsedMs / 1000).toFixed(1)} s, offline, on this machine.`);
  reporter.result(`tenant ${outcome.tenant.tenantId} with webhook endpoint ${outcome.webhook.id}`);
  reporter.result(`session ${outcome.session.id} open as ${outcome.session.phoneNumber ?? world.phones.account}, held by runner ${outcome.session.ownerRunnerId ?? '?'}`);
  reporter.result(`message ${outcome.message.messageId}: ${outcome.delivered.trail.map((entry) => entry.status).join(' → ')}; the contact read "${outcome.delivered.receivedText ?? ''}"`);
  reporter.result(`reply "${INBOUND_TEXT}" arrived as webhook ${outcome.inbound.webhookId}, signature verified`);
  reporter.result(`${receiver.verified.length} webhook deliveries verified (${countByType(receiver.verified.map((delivery) => delivery.event))}), ${receiver.rejected.length} rejected`);
}

function countByType(events: readonly AnyEvent[]): string {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return [...counts].map(([type, count]) => `${type} ×${count}`).join(', ') || 'none';
}
