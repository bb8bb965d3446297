/**
 * Scenario 4: send latency on the embedded stack, from the API's 202 to the simulator's contact having the
 * message decrypted, at a fixed open-loop rate (requests fire on schedule whether or not earlier ones have
 * answered, so a slow phase cannot hide its own latency) spread round-robin over the sessions. One warm-up
 * message per session first (a first message to a new contact costs a device lookup and a prekey fetch);
 * those are reported apart. Sessions use unpaced settings (no deliberate jitter), so the figure is the
 * system, not the pacing.
 */
import { waMessageIdFor } from '../../core/ids.ts';
import type { BenchContext } from '../bench-context.ts';
import { figure, type ScenarioResult } from '../report/results.ts';
import { preciseNow } from '../support/child-rpc.ts';
import { contactPhone } from '../support/credentials-fixture.ts';
import { contactBlock, startMessagingStack, type MessagingStack } from '../support/messaging-stack.ts';
import { round, summarize } from '../support/stats.ts';

interface Sent {
  readonly waMessageId: string;
  readonly postedAt: number;
  readonly acceptedAt: number;
}

export async function sendLatency(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const { sessions: count, ratePerSec, seconds } = ctx.sizes.send;
  const stack = await startMessagingStack(ctx, { name: 'send', sessions: count, runners: 1, keys: 'creds' });
  const base = contactBlock();
  const notes: string[] = [];
  try {
    // Warm-up at the measured rate: the API's per-tenant rate limit (50/s by default) applies to it too.
    const warm: Sent[] = [];
    for (const [i, session] of stack.sessions.entries()) {
      warm.push(await post(stack, session.sessionId, contactPhone(base + i), 'warm-up'));
      await new Promise((resolve) => setTimeout(resolve, 1000 / ratePerSec));
    }
    const warmLatencies = await latencies(ctx, warm, 60_000);

    const measured = await phase(ctx, stack, base, ratePerSec, seconds);
    const lat = summarize(measured.latencies);
    const api = summarize(measured.api);
    const firsts = summarize(warmLatencies.latencies);
    if (measured.missing > 0) notes.push(`${measured.missing} accepted messages never reached the simulator within 60 s`);
    // Higher rates on the same stack, to show where one runner on this machine stops keeping up.
    const beyond: { rate: number; p50: number; p99: number }[] = [];
    for (const rate of ctx.sizes.send.alsoAt ?? []) {
      const extra = await phase(ctx, stack, base, rate, seconds);
      const s = summarize(extra.latencies);
      beyond.push({ rate, p50: s.p50, p99: s.p99 });
      if (extra.missing > 0) notes.push(`at ${rate}/s: ${extra.missing} accepted messages never reached the simulator within 60 s`);
    }
    return {
      id: 'send',
      title: `4. Send latency, ${count} sessions at ${ratePerSec} msg/s for ${seconds} s`,
      method: [
        'embedded stack: emulators + local API Gateway with the real API/authorizer + one runner + simulator, each in its own process;',
        'latency = simulator contact decrypted the message (its wall clock) - the 202 arrived at the client (same machine clock);',
        `open-loop schedule (${ratePerSec}/s), round-robin over the sessions; unpaced sessions (perMinute 120, burst 60, jitter 0); authorizer cache 30 s.`,
      ],
      figures: [
        figure('messages', 'messages measured', lat.count, ''),
        figure('p50Ms', '202 -> WhatsApp p50', round(lat.p50, 1), 'ms'),
        figure('p90Ms', '202 -> WhatsApp p90', round(lat.p90, 1), 'ms'),
        figure('p99Ms', '202 -> WhatsApp p99', round(lat.p99, 1), 'ms'),
        figure('maxMs', '202 -> WhatsApp max', round(lat.max, 1), 'ms'),
        figure('apiP50Ms', 'API request -> 202 p50', round(api.p50, 1), 'ms'),
        figure('apiP99Ms', 'API request -> 202 p99', round(api.p99, 1), 'ms'),
        figure('firstP50Ms', 'first message to a new contact, p50', round(firsts.p50, 1), 'ms'),
        figure('firstP99Ms', 'first message to a new contact, p99', round(firsts.p99, 1), 'ms'),
        figure('lost', 'accepted but not received', measured.missing, ''),
        ...beyond.flatMap((b) => [
          figure(`p50Ms.at${b.rate}`, `at ${b.rate} msg/s: 202 -> WhatsApp p50`, round(b.p50, 1), 'ms'),
          figure(`p99Ms.at${b.rate}`, `at ${b.rate} msg/s: 202 -> WhatsApp p99`, round(b.p99, 1), 'ms'),
        ]),
      ],
      notes,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await stack.close();
  }
}

/** Sends `rate` messages a second for `seconds` on an open-loop schedule, round-robin; then their latencies. */
async function phase(ctx: BenchContext, stack: MessagingStack, base: number, rate: number, seconds: number): Promise<{ latencies: number[]; api: number[]; missing: number }> {
  const total = rate * seconds;
  const sent: Promise<Sent>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const s = i % stack.sessions.length;
    sent.push(post(stack, stack.sessions[s]!.sessionId, contactPhone(base + s), `r${rate} m${i}`));
  }
  return latencies(ctx, await Promise.all(sent), 60_000);
}

async function post(stack: MessagingStack, sessionId: string, to: string, text: string): Promise<Sent> {
  const postedAt = preciseNow();
  const res = await stack.api.request('POST', `/v1/sessions/${sessionId}/messages`, stack.tenant.apiKey, { to: `+${to}`, type: 'text', text: `bench ${text}` });
  const acceptedAt = preciseNow();
  if (res.status !== 202) throw new Error(`send answered ${res.status}: ${JSON.stringify(res.body)}`);
  const body = res.body as { messageId: string; waMessageId?: string };
  return { waMessageId: body.waMessageId ?? waMessageIdFor(body.messageId), postedAt, acceptedAt };
}

async function latencies(ctx: BenchContext, sent: readonly Sent[], timeoutMs: number): Promise<{ latencies: number[]; api: number[]; missing: number }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && sent.some((s) => !ctx.sim.received.has(s.waMessageId))) await new Promise((resolve) => setTimeout(resolve, 100));
  const latencies: number[] = [];
  let missing = 0;
  for (const s of sent) {
    const received = ctx.sim.received.get(s.waMessageId);
    if (received) latencies.push(received.at - s.acceptedAt);
    else missing++;
  }
  return { latencies, api: sent.map((s) => s.acceptedAt - s.postedAt), missing };
}
