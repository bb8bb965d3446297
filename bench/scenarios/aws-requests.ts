/**
 * Scenario 6: AWS requests per outbound and per inbound message, counted at the emulators' HTTP layer by
 * proxies (chaos/fault-proxy.ts) that every process of the stack talks through: the API and authorizer,
 * the webhooks function (one endpoint registered), the runners. Background traffic (lease renewals,
 * heartbeats, placement, long polls) is measured in an idle window first and subtracted per operation,
 * pro rata to each phase's duration. Costs use published prices (report/prices.ts).
 */
import { startWebhookReceiver } from '../../test/support/webhook-receiver.ts';
import { AwsProxies } from '../../chaos/aws-proxies.ts';
import type { BenchContext } from '../bench-context.ts';
import { costOf, PRICES } from '../report/prices.ts';
import { figure, type ScenarioResult } from '../report/results.ts';
import { contactPhone } from '../support/credentials-fixture.ts';
import { contactBlock, startMessagingStack, type MessagingStack } from '../support/messaging-stack.ts';
import { round } from '../support/stats.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Phase {
  readonly requests: Map<string, number>;
  readonly items: Map<string, number>;
  readonly seconds: number;
}

export async function awsRequests(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { sessions: count, messages } = ctx.sizes.requests;
  const idleMs = ctx.mode === 'quick' ? 10_000 : 60_000;
  let proxies: AwsProxies | undefined;
  const receiver = await startWebhookReceiver();
  const stack = await startMessagingStack(ctx, {
    name: 'requests',
    sessions: count,
    runners: 1,
    keys: 'all',
    webhooks: true,
    // Registered before any event exists: the delivery workers cache a tenant's endpoints for 30 s.
    beforeRunners: async (api, tenant) => {
      const hook = await api.request('POST', '/v1/webhooks', tenant.apiKey, { url: receiver.url });
      if (hook.status !== 201) throw new Error(`registering the webhook answered ${hook.status}: ${JSON.stringify(hook.body)}`);
    },
    routeEndpoints: async (env) => {
      proxies = await AwsProxies.start(env);
      return proxies.route(env);
    },
  });
  const counted = proxies!;
  try {
    const base = contactBlock();
    const contact = (i: number) => contactPhone(base + (i % count));
    const account = (i: number) => stack.sessions[i % count]!;

    // Warm-up: one message each way per session (first contact costs a prekey fetch and session set-up),
    // one direction at a time: a contact's first reply crossing our first message is not what is measured.
    await waitReceived(ctx, await sendAll(stack, count, contact, account), 120_000);
    const beforeWarm = receiver.requests.length;
    await inboundAll(ctx, count, contact, account);
    await waitFor(() => receivedEvents(receiver.requests.slice(beforeWarm)) >= count, 120_000, 'warm-up message.received events');
    await quiet(receiver, 3_000, 60_000);
    await sleep(5_000);

    const idle = await phase(counted, async () => {
      await sleep(idleMs);
    });
    const outbound = await phase(counted, async () => {
      const ids = await sendAll(stack, messages, contact, account);
      await waitReceived(ctx, ids, 120_000);
      await quiet(receiver, 3_000, 60_000);
    });
    const inbound = await phase(counted, async () => {
      const before = receiver.requests.length;
      await inboundAll(ctx, messages, contact, account);
      await waitFor(() => receivedEvents(receiver.requests.slice(before)) >= messages, 120_000, 'webhook message.received events');
      await quiet(receiver, 3_000, 60_000);
    });

    const out = perMessage(outbound, idle, messages);
    const inb = perMessage(inbound, idle, messages);
    // The webhooks function alone touches the deliveries table and the webhook-deliveries queues (retries,
    // dead letters), and receives from the events queue (publishing to it is the runner's and the API's).
    const isDelivery = (key: string) =>
      /^dynamodb:\w+:[^:]*deliveries$/.test(key) ||
      /^sqs:\w+:[^:]*webhook-deliveries(-dlq)?$/.test(key) ||
      /^sqs:(ReceiveMessage|DeleteMessageBatch|DeleteMessage|ChangeMessageVisibility\w*):[^:]*events$/.test(key);
    const withoutDelivery = (m: Map<string, number>) => new Map([...m].filter(([key]) => !isDelivery(key)));
    const sumOf = (m: Map<string, number>, service?: string) => [...m.entries()].filter(([k]) => !service || k.startsWith(`${service}:`)).reduce((s, [, v]) => s + v, 0);
    const outCost = costOf(out.requests, out.items);
    const inCost = costOf(inb.requests, inb.items);
    const idleSessionMinute = new Map([...idle.requests].map(([k, v]) => [k, (v / idle.seconds) * 60 / count]));
    const idleItemsSessionMinute = new Map([...idle.items].map(([k, v]) => [k, (v / idle.seconds) * 60 / count]));
    const backgroundMonth = costOf(idleSessionMinute, idleItemsSessionMinute).usd * 60 * 24 * 30;
    const breakdown = (m: Map<string, number>) =>
      [...m.entries()]
        .filter(([, v]) => v >= 0.05)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k.replace(stack.world.prefix, '')} ${round(v, 2)}`)
        .join(', ');
    return {
      id: 'requests',
      title: `6. AWS requests per message (${messages} out, ${messages} in, ${count} sessions)`,
      method: [
        'counted at the emulators by HTTP proxies every stack process talks through (API + authorizer, webhooks function with one endpoint, runner);',
        `idle background measured over ${idleMs / 1000} s and subtracted per operation pro rata; steady state (one warm-up message each way per session first);`,
        `costs: DynamoDB on-demand $${PRICES.dynamoWritePerMillion}/M writes, $${PRICES.dynamoReadPerMillion}/M reads (1 unit per item: a lower bound), SQS $${PRICES.sqsFifoPerMillion}/M FIFO, $${PRICES.sqsStandardPerMillion}/M standard, S3 $${PRICES.s3PutPerThousand}/1k PUT, $${PRICES.s3GetPerThousand}/1k GET; prices of ${PRICES.date}.`,
      ],
      figures: [
        figure('perOutbound', 'per outbound message: AWS requests', round(sumOf(out.requests), 2), ''),
        figure('perOutboundDynamo', '  DynamoDB', round(sumOf(out.requests, 'dynamodb'), 2), ''),
        figure('perOutboundSqs', '  SQS', round(sumOf(out.requests, 'sqs'), 2), ''),
        figure('perOutboundS3', '  S3', round(sumOf(out.requests, 's3'), 2), ''),
        figure('perOutboundCore', '  of which API + runner (without webhook delivery)', round(sumOf(withoutDelivery(out.requests)), 2), ''),
        figure('perOutboundDelivery', '  of which webhook delivery (one endpoint)', round(sumOf(out.requests) - sumOf(withoutDelivery(out.requests)), 2), ''),
        figure('perInbound', 'per inbound message: AWS requests', round(sumOf(inb.requests), 2), ''),
        figure('perInboundCore', '  of which runner (without webhook delivery)', round(sumOf(withoutDelivery(inb.requests)), 2), ''),
        figure('perInboundDynamo', '  DynamoDB', round(sumOf(inb.requests, 'dynamodb'), 2), ''),
        figure('perInboundSqs', '  SQS', round(sumOf(inb.requests, 'sqs'), 2), ''),
        figure('perInboundS3', '  S3', round(sumOf(inb.requests, 's3'), 2), ''),
        figure('costPerMillionOutbound', 'cost per million outbound (DynamoDB+SQS+S3)', round(outCost.usd * 1e6, 2), 'USD'),
        figure('costPerMillionInbound', 'cost per million inbound (DynamoDB+SQS+S3)', round(inCost.usd * 1e6, 2), 'USD'),
        figure('apiPerMillion', 'plus API Gateway REST + Lambda requests per million sends', PRICES.apiGatewayRestPerMillion + PRICES.lambdaRequestsPerMillion, 'USD'),
        figure('backgroundPerSessionMinute', 'idle background: requests per session-minute', round(sumOf(idleSessionMinute), 1), ''),
        figure('backgroundPerSessionMonth', 'idle background cost per session-month', round(backgroundMonth, 3), 'USD'),
      ],
      notes: [`outbound per message: ${breakdown(out.requests)}`, `inbound per message: ${breakdown(inb.requests)}`, `idle per session-minute: ${breakdown(idleSessionMinute)}`],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await stack.close();
    await counted.close();
    await receiver.close();
  }
}

async function phase(proxies: AwsProxies, run: () => Promise<void>): Promise<Phase> {
  proxies.resetCounts();
  const t0 = performance.now();
  await run();
  return { requests: proxies.snapshot(), items: proxies.itemSnapshot(), seconds: (performance.now() - t0) / 1000 };
}

/** Per-message counts: the phase minus the idle rate over the phase's duration, per key, floored at 0. */
function perMessage(busy: Phase, idle: Phase, messages: number): { requests: Map<string, number>; items: Map<string, number> } {
  const net = (b: Map<string, number>, i: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const key of new Set([...b.keys(), ...i.keys()])) {
      const value = ((b.get(key) ?? 0) - ((i.get(key) ?? 0) / idle.seconds) * busy.seconds) / messages;
      if (value > 0) out.set(key, value);
    }
    return out;
  };
  return { requests: net(busy.requests, idle.requests), items: net(busy.items, idle.items) };
}

/** Sends at 20/s: below the API's per-tenant rate limit (50/s by default), which would answer 429. */
async function sendAll(stack: MessagingStack, n: number, contact: (i: number) => string, account: (i: number) => { sessionId: string }): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(50);
    const res = await stack.api.request('POST', `/v1/sessions/${account(i).sessionId}/messages`, stack.tenant.apiKey, { to: `+${contact(i)}`, type: 'text', text: `count ${i}` });
    if (res.status !== 202) throw new Error(`send answered ${res.status}: ${JSON.stringify(res.body)}`);
    ids.push((res.body as { waMessageId: string }).waMessageId);
  }
  return ids;
}

async function inboundAll(ctx: BenchContext, n: number, contact: (i: number) => string, account: (i: number) => { phone: string }): Promise<void> {
  for (let i = 0; i < n; i++) await ctx.sim.inbound(contact(i), account(i).phone, `inbound ${i}`);
}

async function waitReceived(ctx: BenchContext, ids: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(() => ids.every((id) => ctx.sim.received.has(id)), timeoutMs, 'messages at the simulator');
}

function receivedEvents(requests: readonly { body: string }[]): number {
  return requests.filter((r) => r.body.includes('"message.received"')).length;
}

async function quiet(receiver: { requests: unknown[] }, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = receiver.requests.length;
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(200);
    if (receiver.requests.length !== last) {
      last = receiver.requests.length;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}

async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}
