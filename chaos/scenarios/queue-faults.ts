/**
 * Faults on the command path: duplicate and poison messages on the slot queues (written straight to
 * SQS, as a redelivery, a replayed envelope or a bad producer would), and visibility expiring while a
 * send is slow (the simulator delays every frame; the owner's SQS proxy shortens the receive's
 * visibility and swallows the extensions, so the message reappears mid-send).
 */
import { randomUUID } from 'node:crypto';
import { SqsQueue } from '../../core/aws/sqs-queue.ts';
import { queueUrlFromEnv } from '../../core/resource-config.ts';
import { queues, slotQueueUrl } from '../../core/resources.ts';
import type { ChaosScenario, PlayContext } from '../scenario.ts';
import { pickOwner, sleep } from '../scenario.ts';

async function slotOf(ctx: PlayContext, sessionId: string): Promise<number | undefined> {
  const record = await ctx.cluster.world.table('sessions').get({ pk: ctx.cluster.tenant.tenantId, sk: sessionId });
  return typeof record?.slot === 'number' ? record.slot : undefined;
}

function slotQueue(ctx: PlayContext, slot: number): SqsQueue {
  return new SqsQueue(ctx.cluster.world.clients.sqs, slotQueueUrl(queueUrlFromEnv(queues.commands, ctx.cluster.world.env), slot));
}

export const duplicateAndPoison: ChaosScenario = {
  name: 'sqs-duplicates-and-poison',
  summary: 'replay envelopes of commands already accepted (duplicates) and put poison messages on the slot queues',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    await sleep(3_000); // some commands accepted and sent first
    const { cluster, rng } = ctx;
    const replayed = rng.shuffle(cluster.accepted).slice(0, Math.min(8, cluster.accepted.length));
    let duplicates = 0;
    for (const command of replayed) {
      const slot = await slotOf(ctx, command.sessionId);
      if (slot === undefined) continue;
      const body = JSON.stringify({ v: 1, tenantId: cluster.tenant.tenantId, sessionId: command.sessionId, commandId: command.commandId });
      const copies = rng.int(1, 3);
      for (let i = 0; i < copies; i++) {
        await slotQueue(ctx, slot).send({ body, groupId: command.sessionId, deduplicationId: randomUUID() });
        duplicates++;
      }
    }
    const poison = [
      'not json at all',
      JSON.stringify({ v: 99, tenantId: cluster.tenant.tenantId, sessionId: cluster.sessions[0]!.sessionId, commandId: 'x' }),
      JSON.stringify({ v: 1, tenantId: cluster.tenant.tenantId, sessionId: 'no-such-session', commandId: '01JXXXXXXXXXXXXXXXXXXXXXXX' }),
      JSON.stringify({ v: 1, tenantId: 'another-tenant', sessionId: cluster.sessions[1]!.sessionId, commandId: '01JXXXXXXXXXXXXXXXXXXXXXXY' }),
      '{"v":1}',
    ];
    const slots = Number(cluster.world.env.SLOT_COUNT);
    for (const body of poison) {
      const slot = rng.int(0, slots - 1);
      await slotQueue(ctx, slot).send({ body, groupId: `poison-${rng.int(0, 1_000_000)}`, deduplicationId: randomUUID() });
    }
    ctx.log(`${duplicates} duplicate envelopes of ${replayed.length} commands, ${poison.length} poison messages`);
    await sleep(3_000);
    const alive = cluster.members.filter((m) => !m.runner.alive).map((m) => m.id);
    return {
      violations: alive.length > 0 ? [`runners exited on duplicate or poison messages: ${alive.join(', ')}`] : [],
      notes: [`${duplicates} duplicate envelopes, ${poison.length} poison messages`],
    };
  },
};

export const slowSendVisibility: ChaosScenario = {
  name: 'visibility-expires-mid-send',
  summary: "an owner's command messages reappear while its sends are slow (visibility 2 s, extensions swallowed, WhatsApp frames delayed)",
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    const sqs = member.aws.sqs;
    let redelivered = 0;
    const shorten = sqs.addRule({
      name: 'short visibility',
      when: (r) => r.operation === 'ReceiveMessage' && /commands-\d+\.fifo$/.test(r.resource),
      action: 'rewrite',
      rewrite: (body) => ({ ...body, VisibilityTimeout: 2 }),
      onResponse: (status, body) => {
        if (status !== 200) return;
        const messages = (JSON.parse(body) as { Messages?: { Attributes?: { ApproximateReceiveCount?: string } }[] }).Messages ?? [];
        redelivered += messages.filter((m) => Number(m.Attributes?.ApproximateReceiveCount ?? 1) > 1).length;
      },
    });
    const swallow = sqs.addRule({ name: 'swallow extensions', when: (r) => r.operation.startsWith('ChangeMessageVisibility'), action: 'swallow' });
    const slowMs = ctx.rng.int(2_500, 4_000);
    await ctx.cluster.options.sim.setSlow(slowMs);
    ctx.log(`${member.id} (holding ${sessions.length}): visibility 2 s, extensions swallowed, simulator frames delayed ${slowMs} ms`);
    // First messages to new contacts from the victim's sessions: each needs device and prekey lookups
    // (server round trips, every frame delayed), so the send outlasts the 2 s visibility.
    const victims = ctx.cluster.sessions.filter((s) => sessions.includes(s.sessionId));
    for (let i = 0; i < 6 && victims.length > 0; i++) {
      await ctx.cluster.send(ctx.rng.pick(victims), `slow ${i}`, ctx.cluster.newContact());
      await sleep(700);
    }
    await sleep(slowMs * 3);
    await ctx.cluster.options.sim.setSlow(0);
    sqs.clearRules();
    return {
      notes: [`${shorten.hits} receives with 2 s visibility, ${redelivered} messages received again, ${swallow.hits} extensions swallowed, frames delayed ${slowMs} ms`],
    };
  },
};
