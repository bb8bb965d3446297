// A session that went dormant (440 replaced) stays down across polls and owners, and resumes when the tenant
// starts it again: the real SessionRepository on dynalite (desiredStateChangedAt vs statusChangedAt, epoch
// fencing), the real actor, a fake WhatsApp connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../../core/aws/tables.ts';
import { systemClock } from '../../../../core/clock.ts';
import { DEFAULT_PACING } from '../../../../core/domain/session.ts';
import { newId } from '../../../../core/ids.ts';
import { SessionRepository } from '../../../../core/sessions/session-repository.ts';
import { DEFAULT_ACTOR_CONFIG } from '../../../../socket-runner/session/actor-config.ts';
import { SessionActor } from '../../../../socket-runner/session/session-actor.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { CollectingPublisher, FakeAuthStates, FakeConnector, ownedSession, silentLogger } from '../../../unit/socket-runner/session/fakes.ts';

const TENANT = 'tenant-dormant';

async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('dormant sessions on the real session record', () => {
  let aws: AwsFixture;
  let sessions: SessionRepository;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), systemClock);
  });
  afterAll(() => aws.close());

  function actorFor(sessionId: string, epoch: number) {
    const connector = new FakeConnector();
    const owned = ownedSession({ tenantId: TENANT, sessionId, epoch });
    const actor = new SessionActor({
      owned,
      sessions,
      events: new CollectingPublisher(),
      auth: new FakeAuthStates(true),
      connect: connector.factory,
      clock: systemClock,
      random: () => 0,
      logger: silentLogger,
      config: { ...DEFAULT_ACTOR_CONFIG, dormantPollMs: 100 },
      hooks: { onReady: () => {}, onMessage: () => {}, onReceipt: () => {}, onDisconnect: () => {}, beforePurge: async () => {}, onEnded: () => {} },
    });
    return { actor, connector, owned };
  }

  it('stays stopped after a 440, also under a new owner, until the tenant starts it', async () => {
    const sessionId = newId();
    await sessions.create({ tenantId: TENANT, sessionId, pacing: DEFAULT_PACING });
    const first = actorFor(sessionId, 1);
    void first.actor.start();
    (await eventually(() => first.connector.connections[0], 'a connection')).close(440);
    await eventually(async () => (await sessions.get(TENANT, sessionId))?.status === 'stopped', 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(first.connector.connections).toHaveLength(1);

    await first.actor.close('handover');
    const second = actorFor(sessionId, 2);
    void second.actor.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(second.connector.connections).toHaveLength(0);
    expect(await sessions.get(TENANT, sessionId)).toMatchObject({ status: 'stopped', statusReason: 'connection_replaced' });

    await new Promise((resolve) => setTimeout(resolve, 5)); // the start must be later than the status
    await sessions.setDesiredState(TENANT, sessionId, 'running');
    (await eventually(() => second.connector.connections[0], 'a connection after the start')).open();
    await eventually(async () => (await sessions.get(TENANT, sessionId))?.status === 'open', 'open again');
    expect((await sessions.get(TENANT, sessionId))?.epoch).toBe(2);
    await second.actor.close('shutdown');
  });
});
