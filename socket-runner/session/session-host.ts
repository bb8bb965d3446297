/**
 * The session supervisor: the `SessionHost` ownership drives (socket-runner/contracts.ts). For every
 * session this runner owns it runs a session actor (the socket), a command lane (its commands, paced) and
 * a receipt recorder, wired to each other here and nowhere else:
 *
 *   actor open / QR  -> lane re-drives queued commands
 *   actor inbound    -> `message.received` events
 *   actor receipts   -> receipt recorder -> command status + `message.status`
 *   actor deleting   -> lane settles the remaining commands before the purge
 *   actor ends alone -> lane closed, entry dropped, ownership told (`onSessionEnded`)
 *
 * It is also the command loop's directory of lanes (tenant and session must both match).
 */
import type { Clock } from '../../core/clock.ts';
import type { SessionStatus } from '../../core/domain/session.ts';
import { sessionStatuses } from '../../core/domain/session.ts';
import { newEvent, type EventPublisher } from '../../core/events/event-publisher.ts';
import type { Logger } from '../../core/logger.ts';
import type { CloseReason, OwnedSession, SessionEndReason, SessionHost } from '../contracts.ts';
import {
  CommandExecutor,
  DEFAULT_EXECUTOR_CONFIG,
  type CommandMetrics,
  type CommandStore,
  type ExecutorConfig,
} from '../commands/command-executor.ts';
import { CommandLane, DEFAULT_LANE_CONFIG, type LaneConfig } from '../commands/command-lane.ts';
import type { LaneDirectory } from '../commands/command-loop.ts';
import { ReceiptRecorder } from '../commands/receipt-recorder.ts';
import type { ConnectionFactory } from '../whatsapp/whatsapp-connection.ts';
import { DEFAULT_ACTOR_CONFIG, type ActorConfig, type AuthStates } from './actor-config.ts';
import { SessionActor } from './session-actor.ts';
import type { SessionStore } from './status-reporter.ts';

export interface HostMetrics extends CommandMetrics {
  reconnect(reason: string): void;
}

export interface SessionHostConfig {
  readonly actor?: Partial<ActorConfig>;
  readonly lane?: Partial<LaneConfig>;
  readonly executor?: Partial<ExecutorConfig>;
}

export interface SessionHostDeps {
  readonly sessions: SessionStore;
  readonly commands: CommandStore;
  readonly events: EventPublisher;
  readonly auth: AuthStates;
  readonly connect: ConnectionFactory;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: () => number;
  readonly metrics?: HostMetrics;
  readonly config?: SessionHostConfig;
  /** A hosted session ended without `close` (purged after deletion, lost, fenced, gone). */
  readonly onSessionEnded?: (sessionId: string, reason: SessionEndReason) => void;
}

export interface HostedSessions extends SessionHost, LaneDirectory {
  /** Hosted sessions by status (health, metrics). */
  statusCounts(): Record<SessionStatus, number>;
  /** Hosted sessions not open (and not waiting for a human: qr, needs_pairing) for longer than `olderThanMs`. */
  stuckDisconnected(olderThanMs: number): number;
  size(): number;
}

interface Hosted {
  readonly owned: OwnedSession;
  readonly actor: SessionActor;
  readonly lane: CommandLane;
  readonly receipts: ReceiptRecorder;
  bringUp: Promise<void>;
  closing?: Promise<void>;
}

const WAITING_OR_OPEN: ReadonlySet<SessionStatus> = new Set(['open', 'qr', 'needs_pairing']);

export function createSessionHost(deps: SessionHostDeps): HostedSessions {
  return new SessionSupervisor(deps);
}

class SessionSupervisor implements HostedSessions {
  private readonly hosted_ = new Map<string, Hosted>();
  private readonly executor: CommandExecutor;
  private readonly random: () => number;
  private readonly actorConfig: ActorConfig;
  private readonly laneConfig: LaneConfig;

  constructor(private readonly deps: SessionHostDeps) {
    this.random = deps.random ?? Math.random;
    this.actorConfig = { ...DEFAULT_ACTOR_CONFIG, ...deps.config?.actor };
    this.laneConfig = { ...DEFAULT_LANE_CONFIG, ...deps.config?.lane };
    this.executor = new CommandExecutor({
      commands: deps.commands,
      events: deps.events,
      clock: deps.clock,
      logger: deps.logger,
      metrics: deps.metrics,
      config: { ...DEFAULT_EXECUTOR_CONFIG, ...deps.config?.executor },
    });
  }

  open(owned: OwnedSession): Promise<void> {
    const existing = this.hosted_.get(owned.sessionId);
    if (existing) {
      if (existing.owned.epoch === owned.epoch) return existing.bringUp;
      this.deps.logger.warn('host.reopened', { sessionId: owned.sessionId, epoch: owned.epoch, previousEpoch: existing.owned.epoch });
      void this.close(owned.sessionId, 'handover');
    }
    const entry = this.build(owned);
    this.hosted_.set(owned.sessionId, entry);
    entry.lane.start();
    entry.bringUp = entry.actor.start();
    return entry.bringUp;
  }

  async close(sessionId: string, reason: CloseReason): Promise<void> {
    const entry = this.hosted_.get(sessionId);
    if (!entry) return;
    entry.closing ??= (async () => {
      await entry.lane.close();
      await entry.actor.close(reason);
      await entry.receipts.drain();
      if (this.hosted_.get(sessionId) === entry) this.hosted_.delete(sessionId);
    })();
    return entry.closing;
  }

  hosted(): string[] {
    return [...this.hosted_.keys()];
  }

  size(): number {
    return this.hosted_.size;
  }

  lane(tenantId: string, sessionId: string): CommandLane | undefined {
    const entry = this.hosted_.get(sessionId);
    return entry && entry.owned.tenantId === tenantId && !entry.closing ? entry.lane : undefined;
  }

  statusCounts(): Record<SessionStatus, number> {
    const counts = Object.fromEntries(sessionStatuses.map((status) => [status, 0])) as Record<SessionStatus, number>;
    for (const entry of this.hosted_.values()) counts[entry.actor.status()] += 1;
    return counts;
  }

  stuckDisconnected(olderThanMs: number): number {
    let stuck = 0;
    for (const entry of this.hosted_.values()) {
      const status = entry.actor.status();
      if (!WAITING_OR_OPEN.has(status) && entry.actor.statusAgeMs() > olderThanMs) stuck += 1;
    }
    return stuck;
  }

  private build(owned: OwnedSession): Hosted {
    const { tenantId, sessionId } = owned;
    const logger = this.deps.logger.createChild({ persistentKeys: { tenantId, sessionId, epoch: owned.epoch } });
    const receipts = new ReceiptRecorder({ tenantId, sessionId, commands: this.deps.commands, events: this.deps.events, clock: this.deps.clock, logger });
    // The actor's hooks reach the lane, which is built on the actor: tie the knot through a holder.
    const ref: { lane?: CommandLane } = {};
    const actor: SessionActor = new SessionActor({
      owned,
      sessions: this.deps.sessions,
      events: this.deps.events,
      auth: this.deps.auth,
      connect: this.deps.connect,
      clock: this.deps.clock,
      random: this.random,
      logger,
      config: this.actorConfig,
      hooks: {
        onReady: () => void ref.lane?.redrive(),
        onMessage: (message) => {
          const event = newEvent('message.received', { tenantId, sessionId }, message, this.deps.clock);
          this.deps.events.publish([event]).catch((error: unknown) => logger.error('host.event_publish_failed', { error }));
        },
        onReceipt: (receipt) => receipts.record(receipt),
        onDisconnect: (rule) => {
          if (rule.action === 'backoff' || rule.action === 'reconnect_now') this.deps.metrics?.reconnect(rule.reason);
        },
        beforePurge: async () => {
          await ref.lane?.settleForDeletion().catch((error: unknown) => logger.warn('host.settle_failed', { error }));
        },
        onEnded: (reason) => this.ended(owned, reason),
      },
    });
    const lane = (ref.lane = new CommandLane({
      target: actor,
      ownerEpoch: owned.epoch,
      executor: this.executor,
      commands: this.deps.commands,
      clock: this.deps.clock,
      random: this.random,
      logger,
      config: this.laneConfig,
    }));
    return { owned, actor, lane, receipts, bringUp: Promise.resolve() };
  }

  private ended(owned: OwnedSession, reason: SessionEndReason): void {
    const entry = this.hosted_.get(owned.sessionId);
    if (entry?.owned === owned) {
      this.hosted_.delete(owned.sessionId);
      void entry.lane.close();
    }
    this.deps.logger.info('host.session_ended', { sessionId: owned.sessionId, reason });
    this.deps.onSessionEnded?.(owned.sessionId, reason);
  }
}
