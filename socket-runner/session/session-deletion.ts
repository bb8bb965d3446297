/**
 * Deleting a hosted session: the device is logged out of WhatsApp if it was ever paired (connecting first
 * when no socket is up; a socket still connecting logs out when it opens), then the session's remaining
 * commands are settled, its credentials and record purged, `session.status` (stopped, deleted) published,
 * and the actor ends (`purged`). A session that never paired is purged at once; a logout that fails, or
 * does not finish within `deletionTimeoutMs`, is purged anyway.
 *
 * The actor decides when a deletion begins and hands it the socket's events while it lasts
 * (session-actor.ts); the deletion acts on the actor only through `DeletingActor`.
 */
import type { Logger } from '../../core/logger.ts';
import type { OwnedSession, SessionEndReason } from '../contracts.ts';
import type { ActorConfig, ActorHooks } from './actor-config.ts';
import type { ActorTimer } from './actor-timer.ts';
import type { ConnectionAttempts } from './connection-attempts.ts';
import { deferred } from './deferred.ts';
import type { SessionCredentials } from './session-credentials.ts';
import type { SessionNotices } from './session-notices.ts';
import type { SessionStore, StatusReporter } from './status-reporter.ts';

/** What the deletion may ask of the actor. */
export interface DeletingActor {
  /** Still deleting: nothing ended the actor in the meantime. */
  isDeleting(): boolean;
  /** Opens the auth state; false when it could not (the actor dealt with why). */
  loadAuth(): Promise<boolean>;
  /** Starts a connection attempt (its open is logged out); false when the socket could not be created. */
  openSocket(): boolean;
  /** No timer, no socket, no more transitions: the purge runs next. */
  stopActing(): void;
  end(reason: SessionEndReason): void;
}

export interface SessionDeletionDeps {
  readonly actor: DeletingActor;
  readonly owned: OwnedSession;
  readonly socket: ConnectionAttempts;
  readonly credentials: SessionCredentials;
  readonly timer: ActorTimer;
  readonly sessions: SessionStore;
  readonly hooks: Pick<ActorHooks, 'beforePurge'>;
  readonly reporter: Pick<StatusReporter, 'publish' | 'current'>;
  readonly notices: Pick<SessionNotices, 'purged'>;
  readonly logger: Logger;
  readonly config: Pick<ActorConfig, 'deletionTimeoutMs'>;
}

/** Where the actor stood when the deletion began: its phase with a socket up, or none. */
export type DeletionStart = 'open' | 'qr' | 'connecting' | 'no_socket';

export class SessionDeletion {
  private readonly done = deferred();
  private started = false;

  constructor(private readonly deps: SessionDeletionDeps) {}

  get begun(): boolean {
    return this.started;
  }

  /** Settles once the actor has ended, purged or not. */
  get promise(): Promise<void> {
    return this.done.promise;
  }

  begin(from: DeletionStart): void {
    this.started = true;
    this.deps.timer.start(this.deps.config.deletionTimeoutMs, () => void this.finish());
    if (from === 'open') this.opened();
    else if (from === 'qr') void this.finish(); // never paired: nothing to log out
    else if (from === 'no_socket') void this.connect();
  }

  /** The socket is open: unlink the device; its close (or a failed logout) leads to the purge. */
  opened(): void {
    this.deps.socket.current?.logout().catch(() => this.finish());
  }

  /** The logout is over (the socket closed), the socket showed a QR (never paired), or time ran out: purge. */
  async finish(): Promise<void> {
    const { actor, owned, reporter, logger } = this.deps;
    if (!actor.isDeleting()) return;
    actor.stopActing();
    try {
      if (owned.isValid()) {
        await this.deps.hooks.beforePurge();
        await this.deps.credentials.purge();
        await this.deps.sessions.purge(owned.tenantId, owned.sessionId);
        reporter.publish([this.deps.notices.purged(reporter.current())]);
        logger.info('session.purged');
      }
    } catch (error) {
      logger.error('session.purge_failed', { error });
    }
    actor.end('purged');
  }

  /** The actor ended: whoever waits for the deletion goes on. */
  settle(): void {
    this.done.resolve();
  }

  /** No socket up: connect if there is a device to log out, else (or when no socket can be made) purge at once. */
  private async connect(): Promise<void> {
    const { actor, credentials, owned } = this.deps;
    await actor.loadAuth();
    if (!actor.isDeleting()) return;
    if (credentials.hasCredentials() && owned.isValid() && actor.openSocket()) return;
    await this.finish();
  }
}
