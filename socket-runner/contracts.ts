/**
 * The seams inside the socket runner, between ownership (slot and session leases, placement, drain:
 * socket-runner/lease, placement.ts, main.ts) and hosting (the session actor, the Baileys adapter, commands
 * and events: socket-runner/session, commands, events). Ownership decides which sessions this runner holds
 * and for how long; hosting runs them. Auth state sits between the two: it is written only while the lease
 * epoch allows it.
 */
import type { AuthenticationState } from '@whiskeysockets/baileys';

/** A session this runner holds a lease on. */
export interface OwnedSession {
  readonly tenantId: string;
  readonly sessionId: string;
  /** This runner's slot: where commands for the session are delivered while it owns it. */
  readonly slot: number;
  /** Fencing token of this ownership (D4): every credential write is conditional on it. */
  readonly epoch: number;
  /**
   * Aborted the moment ownership ends without a handover: lease lost, self-fenced, or a fenced write failed.
   * The host must close the socket at once and write nothing more (no reconnect).
   */
  readonly lost: AbortSignal;
  /** False once the lease can no longer be trusted (monotonic clock); check before any side effect. */
  isValid(): boolean;
}

export type CloseReason = 'handover' | 'stopped' | 'deleted' | 'shutdown';

/** What ownership asks of hosting. Implemented by the session supervisor. */
export interface SessionHost {
  /**
   * Starts running a session this runner now owns (connect, restore credentials, re-drive commands).
   * May return a promise that settles when the bring-up is over (socket open, QR shown, or given up):
   * placement counts the session against its start concurrency until then, so a mass failover does not
   * bring up more sockets at once than the event loop can take. Returning void counts only the start rate.
   */
  open(owned: OwnedSession): void | Promise<void>;
  /**
   * Graceful stop: stop taking commands, flush credentials, close the socket. Resolves when done; the
   * caller then releases the lease (keeping the epoch) so a peer resumes with no QR.
   */
  close(sessionId: string, reason: CloseReason): Promise<void>;
  /** Session ids currently hosted. */
  hosted(): string[];
}

/**
 * What ownership tells hosting, for the command loop and the health endpoint (implemented by
 * socket-runner/runner.ts; main.ts hands it to both).
 */
export interface Ownership {
  readonly runnerId: string;
  /** The slot this runner holds, whose queue it polls; undefined while it has none. */
  slot(): number | undefined;
  /** The ownership of a session this runner holds and may act on, else undefined. */
  owned(sessionId: string): OwnedSession | undefined;
  /**
   * The slot of the session's current owner per its record, for forwarding a command that reached the
   * wrong slot; undefined when nobody owns it (the next owner re-drives queued commands from DynamoDB).
   */
  ownerSlotOf(tenantId: string, sessionId: string): Promise<number | undefined>;
  /** True while the runner holds its slot and is not draining: the readiness of GET /health. */
  ready(): boolean;
}

/** The command loop on this runner's slot queue (socket-runner/commands). */
export interface CommandPoller {
  /** Starts polling slot k's queue; called once the slot lease is held. */
  start(slot: number): void;
  /** Stops receiving; resolves when in-flight commands have settled. Called on drain and slot loss. */
  stop(): Promise<void>;
}

/** Baileys auth state on DynamoDB for one owned session (socket-runner/auth). */
export interface SessionAuthState {
  readonly state: AuthenticationState;
  /** Persists creds (fenced by epoch); call on every `creds.update`. */
  saveCreds(): Promise<void>;
  /** True once the session was paired (creds carry `me`/registered). */
  hasCredentials(): boolean;
  /** Resolves when every pending key and creds write has been persisted. */
  flush(): Promise<void>;
  /** Writes an immutable backup to S3 and commits its pointer. */
  backup(): Promise<void>;
}

/** Raised when a fenced write finds a newer epoch: another owner exists. Hard stop, never reconnect. */
export class FencedError extends Error {
  constructor(
    readonly sessionId: string,
    readonly epoch: number,
  ) {
    super(`session ${sessionId}: epoch ${epoch} was fenced out by a newer owner`);
    this.name = 'FencedError';
  }
}

/**
 * Why a hosted session stopped running without `close` being called (told to ownership through the
 * session host factory's `onSessionEnded`): `purged` — a deleted session was logged out and its
 * credentials and record removed (delete the lease); `gone` — the session record no longer exists;
 * `lost` — `OwnedSession.lost` aborted; `fenced` — a write found a newer epoch (another owner exists).
 */
export type SessionEndReason = 'purged' | 'gone' | 'lost' | 'fenced';
