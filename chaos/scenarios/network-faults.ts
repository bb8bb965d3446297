/**
 * Faults between one runner and its dependencies, made by that runner's proxies: cut from DynamoDB but
 * not WhatsApp, cut from WhatsApp but not DynamoDB, lease renewals whose responses are lost, credential
 * writes whose responses are lost (during a takeover, when creds are written).
 */
import type { ProxiedRequest } from '../fault-proxy.ts';
import type { ChaosScenario } from '../scenario.ts';
import { pickOwner, sleep, untilTakenOver } from '../scenario.ts';

/** An UpdateItem that renews a lease: conditional on the holder, changing the token, removing nothing. */
export function isRenewal(request: ProxiedRequest): boolean {
  const body = request.body ?? {};
  return (
    request.operation === 'UpdateItem' &&
    /leases/.test(request.resource) &&
    /#owner = :owner/.test(String(body.ConditionExpression ?? '')) &&
    !/REMOVE/.test(String(body.UpdateExpression ?? ''))
  );
}

/** A write of a session's creds item (fenced by epoch). */
export function isCredsWrite(request: ProxiedRequest): boolean {
  const item = request.body?.Item as { sk?: { S?: string } } | undefined;
  return request.operation === 'PutItem' && /auth/.test(request.resource) && item?.sk?.S === 'creds';
}

export const dynamoCut: ChaosScenario = {
  name: 'dynamo-cut',
  summary: 'cut an owner from DynamoDB (not from WhatsApp) past its lease: it self-fences, peers take over',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    ctx.log(`DynamoDB partition for ${member.id} (holding ${sessions.length})`);
    member.aws.dynamodb.partition(true);
    const bound = ctx.ms('LEASE_DURATION_MS') + ctx.ms('RUNNER_TTL_MS') + 30_000;
    const taken = await untilTakenOver(ctx, member, sessions, bound);
    await sleep(ctx.rng.int(0, 3_000));
    member.aws.dynamodb.partition(false);
    ctx.log(`DynamoDB partition for ${member.id} lifted`);
    return { violations: taken ? [] : [`peers did not take over ${sessions.length} sessions of the runner cut from DynamoDB within ${Math.round(bound / 1000)} s`] };
  },
};

export const whatsappCut: ChaosScenario = {
  name: 'whatsapp-cut',
  summary: 'cut an owner from WhatsApp (not from DynamoDB) for a while: it keeps its leases and reconnects',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    const mode = ctx.rng.pick(['reset', 'blackhole'] as const);
    const forMs = ctx.rng.int(4_000, 10_000);
    ctx.log(`WhatsApp ${mode} for ${member.id} (holding ${sessions.length}) for ${forMs} ms`);
    const since = Date.now();
    member.wa.setMode(mode);
    await sleep(forMs);
    member.wa.setMode('open');
    const phones = new Set(ctx.cluster.sessions.filter((s) => sessions.includes(s.sessionId)).map((s) => s.phone));
    const dropped = new Set(ctx.cluster.options.sim.eventsFor(phones, since).filter((e) => e.state === 'offline').map((e) => e.phone)).size;
    return { notes: [`${mode} for ${forMs} ms; ${dropped} of ${phones.size} sessions seen offline at the simulator`] };
  },
};

export const renewalResponseLost: ChaosScenario = {
  name: 'renewal-response-lost',
  summary: 'lose the responses of some lease renewals (the write applied, the runner sees a timeout)',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const { member, sessions } = await pickOwner(ctx);
    const rng = ctx.rng.fork('renewals');
    const share = rng.int(30, 70) / 100;
    const rule = member.aws.dynamodb.addRule({ name: 'lose renewal responses', when: (r) => isRenewal(r) && rng.next() < share, action: 'drop-response' });
    ctx.log(`dropping ${Math.round(share * 100)} % of ${member.id}'s renewal responses (holding ${sessions.length})`);
    await sleep(ctx.ms('LEASE_DURATION_MS') * 2);
    member.aws.dynamodb.clearRules();
    return { notes: [`${rule.hits} renewal responses lost`] };
  },
};

export const credsWriteLost: ChaosScenario = {
  name: 'creds-write-response-lost',
  summary: 'lose the responses of credential writes while sessions move (SIGKILL of an owner)',
  profile: 'short',
  runners: 3,
  sessions: 6,
  async play(ctx) {
    const rules = ctx.cluster.live().map((m) => m.aws.dynamodb.addRule({ name: 'lose creds write responses', when: isCredsWrite, action: 'drop-response', remaining: 6 }));
    const { member, sessions } = await pickOwner(ctx);
    ctx.log(`losing creds write responses on every runner; SIGKILL ${member.id} (holding ${sessions.length})`);
    member.runner.kill('SIGKILL');
    await untilTakenOver(ctx, member, sessions, ctx.ms('RUNNER_TTL_MS') + ctx.ms('LEASE_DURATION_MS') + 30_000);
    for (const m of ctx.cluster.live()) m.aws.dynamodb.clearRules();
    return { notes: [`${rules.reduce((n, r) => n + (r.hits ?? 0), 0)} creds write responses lost`] };
  },
};
