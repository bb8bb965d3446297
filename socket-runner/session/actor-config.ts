/**
 * What a session actor needs and how it is tuned (session-actor.ts holds the machine itself): the ports it
 * is given, the hooks through which the session host wires it to commands and events, and its timings.
 */
import type { Clock } from '../../core/clock.ts';
import type { ReceivedMessageData } from '../../core/domain/event.ts';
import type { EventPublisher } from '../../core/events/event-publisher.ts';
import type { Logger } from '../../core/logger.ts';
import type { OwnedSession, SessionAuthState, SessionEndReason } from '../contracts.ts';
import type { ConnectionFactory, OutboundReceipt } from '../whatsapp/whatsapp-connection.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { DEFAULT_CIRCUIT_BREAKER, type CircuitBreakerOptions } from './circuit-breaker.ts';
import type { DisconnectRule } from './disconnect-policy.ts';
import type { SessionStore } from './status-reporter.ts';

/** Which commands a session can run now: all (open), a pairing code (QR shown), none, or none ever again. */
export type Readiness = 'open' | 'pairing' | 'unavailable' | 'gone';

/** Auth state as ownership provides it (socket-runner/auth). */
export interface AuthStates {
  open(owned: OwnedSession): Promise<SessionAuthState>;
  purge(tenantId: string, sessionId: string): Promise<void>;
}

export interface ActorConfig {
  readonly backoff: BackoffOptions;
  readonly breaker: CircuitBreakerOptions;
  /** 515 restarts in a row (no open in between) before they count as failures. */
  readonly maxRestartsWithoutOpen: number;
  /** How often a dormant session re-reads its record for a tenant's start (or a deletion). */
  readonly dormantPollMs: number;
  /** A parked session tries once more after this long (half-open); 0 = only the tenant's start resumes it. */
  readonly parkedProbeMs: number;
  /** Upper bound of a deletion's connect + logout before purging anyway. */
  readonly deletionTimeoutMs: number;
  readonly firstQrTtlMs: number;
  readonly nextQrTtlMs: number;
}

export const DEFAULT_ACTOR_CONFIG: ActorConfig = {
  backoff: DEFAULT_BACKOFF,
  breaker: DEFAULT_CIRCUIT_BREAKER,
  maxRestartsWithoutOpen: 3,
  dormantPollMs: 30_000,
  parkedProbeMs: 15 * 60_000,
  deletionTimeoutMs: 30_000,
  firstQrTtlMs: 60_000,
  nextQrTtlMs: 20_000,
};

export interface ActorHooks {
  /** Commands of this kind can run now: re-drive the queued ones. */
  onReady(readiness: 'open' | 'pairing'): void;
  onMessage(message: ReceivedMessageData): void;
  onReceipt(receipt: OutboundReceipt): void;
  onDisconnect(rule: DisconnectRule): void;
  /** A deleted session is about to be purged: settle its remaining commands. */
  beforePurge(): Promise<void>;
  /** The actor ended on its own (not through `close`). */
  onEnded(reason: SessionEndReason): void;
}

export interface SessionActorDeps {
  readonly owned: OwnedSession;
  readonly sessions: SessionStore;
  readonly events: EventPublisher;
  readonly auth: AuthStates;
  readonly connect: ConnectionFactory;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly config: ActorConfig;
  readonly hooks: ActorHooks;
}
