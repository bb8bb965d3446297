// One SessionActor over the in-memory fakes, for the actor's specs (session-actor*.test.ts).
import { vi } from 'vitest';
import type { SessionRecord } from '../../../../core/domain/session.ts';
import type { SessionEndReason } from '../../../../socket-runner/contracts.ts';
import { DEFAULT_ACTOR_CONFIG, type ActorConfig } from '../../../../socket-runner/session/actor-config.ts';
import { SessionActor } from '../../../../socket-runner/session/session-actor.ts';
import { CollectingPublisher, FakeAuthStates, FakeConnector, FakeSessionStore, fakeClock, ownedSession, sessionRecord, settle, silentLogger } from './fakes.ts';

export function setup(options: { record?: Partial<SessionRecord> | null; config?: Partial<ActorConfig>; registered?: boolean; random?: () => number } = {}) {
  const sessions = new FakeSessionStore();
  if (options.record !== null) sessions.put(sessionRecord(options.record ?? {}));
  const events = new CollectingPublisher();
  const auth = new FakeAuthStates(options.registered ?? true);
  const connector = new FakeConnector();
  const owned = ownedSession();
  const ended: SessionEndReason[] = [];
  const ready: string[] = [];
  const beforePurge = vi.fn(async () => {});
  const actor = new SessionActor({
    owned,
    sessions,
    events,
    auth,
    connect: connector.factory,
    clock: fakeClock,
    random: options.random ?? (() => 0.5),
    logger: silentLogger,
    config: { ...DEFAULT_ACTOR_CONFIG, ...options.config },
    hooks: {
      onReady: (r) => ready.push(r),
      onMessage: () => {},
      onReceipt: () => {},
      onDisconnect: () => {},
      beforePurge,
      onEnded: (reason) => ended.push(reason),
    },
  });
  return { actor, sessions, events, auth, connector, owned, ended, ready, beforePurge };
}

/** Starts the actor and lets its boot reach the first connection. */
export async function started(options: Parameters<typeof setup>[0] = {}) {
  const ctx = setup(options);
  void ctx.actor.start();
  await settle();
  return ctx;
}
