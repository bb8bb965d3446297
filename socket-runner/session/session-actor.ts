/**
 * The session actor: one per hosted session, the owner of its WhatsApp socket (D4, D5). A small explicit
 * state machine over one connection attempt at a time; every transition is decided here:
 *
 *   idle -> connecting -> qr -> open            (a fresh pairing: QR refs rotate 60 s, then 20 s each)
 *   open/connecting -> [close] -> disconnect policy (disconnect-policy.ts):
 *       reconnect_now -> connecting             (515 after pairing; more than a few in a row count as failures)
 *       backoff       -> waiting -> connecting  (full jitter; the circuit breaker parks: -> dormant `failed`)
 *       stop          -> dormant `stopped`      (440: never fight another socket)
 *       logged_out    -> purge creds -> dormant `needs_pairing`
 *       pairing_expired -> dormant `needs_pairing`
 *   dormant: no socket; polls the record slowly and resumes when the tenant starts the session again
 *            (desiredStateChangedAt newer than the status), or, when parked, for a half-open probe.
 *   deleting: connect if it has credentials, log out, purge credentials and record, end (`purged`).
 *   lost / fenced: end the socket at once, write nothing, never reconnect.
 * Every move goes through the phase rules (`mayFollow`): closing and closed are final, and a deletion is
 * left only by closing, so a late callback (a record read, a socket event, a timer) cannot move an actor
 * that is ending or deleting anywhere else.
 *
 * The parts it drives: connection-attempts.ts (the socket, stale attempts ignored), session-credentials.ts
 * (auth state), reconnect-schedule.ts (restarts, backoff, breaker, probe), dormancy.ts and
 * session-deletion.ts (the two phases without a socket of its own), session-notices.ts and
 * status-reporter.ts (what the tenant is told: record writes and events, fenced), actor-timer.ts (its one
 * timer). Every timer and listener it creates is released when it ends (tested with many actors).
 */
import { isoNow } from '../../core/clock.ts';
import type { DisconnectInfo, Pacing, SessionRecord, SessionStatus } from '../../core/domain/session.ts';
import { DEFAULT_PACING } from '../../core/domain/session.ts';
import { FencedError, type CloseReason, type SessionEndReason } from '../contracts.ts';
import {
  WhatsAppError,
  type ConnectionClosed,
  type ConnectionListener,
  type ConnectionOpened,
  type WhatsAppConnection,
} from '../whatsapp/whatsapp-connection.ts';
import type { Readiness, SessionActorDeps } from './actor-config.ts';
import { ActorTimer } from './actor-timer.ts';
import { ConnectionAttempts } from './connection-attempts.ts';
import { deferred } from './deferred.ts';
import { decideDisconnect } from './disconnect-policy.ts';
import { Dormancy } from './dormancy.ts';
import { ReconnectSchedule } from './reconnect-schedule.ts';
import { SessionCredentials } from './session-credentials.ts';
import { SessionDeletion } from './session-deletion.ts';
import { SessionNotices } from './session-notices.ts';
import { StatusReporter } from './status-reporter.ts';

type Phase = 'idle' | 'connecting' | 'qr' | 'open' | 'waiting' | 'dormant' | 'deleting' | 'closing' | 'closed';

/** The phase rules: `closing` leads only to `closed`, `closed` to nothing, `deleting` only to closing. */
function mayFollow(from: Phase, to: Phase): boolean {
  if (from === 'closed') return false;
  if (from === 'closing') return to === 'closed';
  if (from === 'deleting') return to === 'closing' || to === 'closed';
  return true;
}

export class SessionActor {
  readonly tenantId: string;
  readonly sessionId: string;
  private phase: Phase = 'idle';
  private record: SessionRecord | undefined;
  private loggingOut = false;
  private closing: Promise<void> | undefined;
  private readonly bringUp = deferred();
  private readonly timer = new ActorTimer();
  private readonly socket: ConnectionAttempts;
  private readonly credentials: SessionCredentials;
  private readonly reconnects: ReconnectSchedule;
  private readonly reporter: StatusReporter;
  private readonly notices: SessionNotices;
  private readonly dormancy: Dormancy;
  private readonly deletion: SessionDeletion;
  private readonly onLost = () => this.abandon('lost');
  /** What the current connection attempt reports (ConnectionAttempts drops what stale attempts report). */
  private readonly listener: ConnectionListener = {
    onQr: (qr) => this.onQr(qr),
    onOpen: (opened) => this.onOpen(opened),
    onClose: (closed) => this.onClose(closed),
    onCredsUpdate: () => this.credentials.save(),
    onMessage: (message) => this.deps.hooks.onMessage(message),
    onReceipt: (receipt) => this.deps.hooks.onReceipt(receipt),
  };

  constructor(private readonly deps: SessionActorDeps) {
    this.tenantId = deps.owned.tenantId;
    this.sessionId = deps.owned.sessionId;
    const onFenced = () => this.abandon('fenced');
    this.socket = new ConnectionAttempts({ connect: deps.connect, logger: deps.logger, live: () => this.live() });
    this.credentials = new SessionCredentials({ ...deps, onFenced });
    this.reconnects = new ReconnectSchedule(deps.config, deps.clock, deps.random);
    this.reporter = new StatusReporter({ ...deps, onFenced });
    this.notices = new SessionNotices(this.reporter, deps.clock, deps.config);
    const parts = {
      ...deps,
      socket: this.socket,
      credentials: this.credentials,
      reconnects: this.reconnects,
      reporter: this.reporter,
      notices: this.notices,
      timer: this.timer,
      bringUp: this.bringUp,
    };
    this.dormancy = new Dormancy({
      ...parts,
      actor: {
        becomeDormant: () => this.enter('dormant'),
        isDormant: () => this.phase === 'dormant',
        live: () => this.live(),
        refreshRecord: () => this.refreshRecord(),
        lastRecord: () => this.record,
        beginDeletion: () => void this.beginDeletion(),
        end: (reason) => this.end(reason),
        connect: () => void this.connect(),
      },
    });
    this.deletion = new SessionDeletion({
      ...parts,
      actor: {
        isDeleting: () => this.phase === 'deleting',
        loadAuth: () => this.loadAuth(),
        openSocket: () => this.openSocket(),
        stopActing: () => this.stopActing(),
        end: (reason) => this.end(reason),
      },
    });
  }

  status(): SessionStatus {
    return this.reporter.current();
  }

  /** Milliseconds in the current status. */
  statusAgeMs(): number {
    return this.reporter.statusAgeMs();
  }

  readiness(): Readiness {
    if (this.phase === 'open' && this.socket.current) return 'open';
    if (this.phase === 'qr' && this.socket.current) return 'pairing';
    return this.phase === 'closing' || this.phase === 'closed' || this.phase === 'deleting' ? 'gone' : 'unavailable';
  }

  /** The live connection, for commands; only while open (or pairing, for a pairing code). */
  connectionForCommands(): WhatsAppConnection | undefined {
    return this.readiness() === 'open' ? this.socket.current : undefined;
  }

  pacing(): Pacing {
    return this.record?.pacing ?? DEFAULT_PACING;
  }

  /** Re-reads the record (pacing changes); undefined when it is gone. */
  async refreshRecord(): Promise<SessionRecord | undefined> {
    const record = await this.deps.sessions.get(this.tenantId, this.sessionId);
    if (record) this.record = record;
    return record;
  }

  /** Starts the session; resolves when the bring-up is over (open, QR shown, waiting, dormant or ended). */
  start(): Promise<void> {
    if (this.phase !== 'idle') return this.bringUp.promise;
    if (this.deps.owned.lost.aborted) {
      this.abandon('lost');
      return this.bringUp.promise;
    }
    this.deps.owned.lost.addEventListener('abort', this.onLost, { once: true });
    this.enter('connecting');
    this.boot().catch((error: unknown) => this.crashed(error));
    return this.bringUp.promise;
  }

  /** Graceful stop (handover, shutdown, tenant stop) or, for `deleted`, logout and purge. */
  close(reason: CloseReason): Promise<void> {
    if (reason === 'deleted' && this.live()) return this.beginDeletion();
    if (this.deletion.begun) return this.deletion.promise;
    this.closing ??= this.phase === 'closed' ? Promise.resolve() : this.shutdown(reason);
    return this.closing;
  }

  /**
   * The `logout` command: unlink the device; the session then waits for a new pairing (or is purged). A
   * deletion that begins meanwhile is its logout; an actor that stops meanwhile leaves it to the next owner
   * (an ambiguous failure: the command is retried there).
   */
  async logout(): Promise<void> {
    if (!this.live()) throw new WhatsAppError('session_unavailable', 'session is not running here', false);
    const record = await this.refreshRecord();
    if (!record || record.deletedAt) return this.beginDeletion();
    const connection = this.socket.current;
    if (this.phase === 'open' && connection) {
      this.loggingOut = true;
      try {
        await connection.logout();
      } catch (error) {
        this.loggingOut = false; // not sent: a later close is not this logout (the command is retried)
        throw error;
      }
      return;
    }
    if (await this.dormancy.loggedOut(undefined, 'logged_out', true)) return;
    if (this.deletion.begun) return this.deletion.promise;
    throw new WhatsAppError('session_unavailable', 'the session stopped running here before its logout', true);
  }

  /** The `request_pairing_code` command: only while the socket waits for pairing. */
  async requestPairingCode(phoneNumber: string): Promise<string> {
    const connection = this.socket.current;
    if (this.phase !== 'qr' || !connection) throw new WhatsAppError('session_not_pairing', 'session is not waiting for pairing', false);
    const code = await connection.requestPairingCode(phoneNumber);
    await this.reporter.report(this.notices.pairingCode(code));
    return code;
  }

  // --- the connection --------------------------------------------------------------------------------

  private async boot(): Promise<void> {
    const record = await this.deps.sessions.get(this.tenantId, this.sessionId);
    if (!this.live()) return;
    if (!record) return this.end('gone');
    this.record = record;
    this.reporter.adopt(record);
    if (record.deletedAt) return void this.beginDeletion();
    if (this.dormancy.stayDormantAtBoot(record)) return;
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (!this.deps.owned.isValid() || !this.enter('connecting')) return;
    if (!(await this.loadAuth())) return;
    if (this.phase !== 'connecting') return;
    if (this.reporter.current() !== 'reconnecting') void this.reporter.report(this.notices.connecting());
    if (!this.openSocket()) this.failed({ code: 0, reason: 'connect_failed', at: isoNow(this.deps.clock) });
  }

  private async loadAuth(): Promise<boolean> {
    if (this.credentials.state) return true;
    try {
      await this.credentials.open();
      return this.live();
    } catch (error) {
      if (error instanceof FencedError) this.abandon('fenced');
      else if (mayFollow(this.phase, 'waiting')) {
        this.deps.logger.error('session.auth_unavailable', { error });
        this.failed({ code: 0, reason: 'auth_unavailable', at: isoNow(this.deps.clock) });
      }
      return false;
    }
  }

  /** Starts a connection attempt; false when the socket could not even be created (what that means is the caller's). */
  private openSocket(): boolean {
    try {
      this.socket.open(this.credentials.state!, this.listener);
      return true;
    } catch (error) {
      this.deps.logger.error('session.connect_failed', { error });
      return false;
    }
  }

  private onQr(qr: string): void {
    if (this.phase === 'deleting') return void this.deletion.finish();
    const first = this.phase !== 'qr'; // the first QR of this attempt (QRs come only before the socket opens)
    if (!this.enter('qr')) return;
    void this.reporter.report(this.notices.qrShown(qr, first));
    this.bringUp.resolve();
    if (first) this.deps.hooks.onReady('pairing');
  }

  private onOpen(opened: ConnectionOpened): void {
    if (this.phase === 'deleting') return this.deletion.opened();
    if (!this.enter('open')) return;
    this.reconnects.opened();
    void this.reporter.report(this.notices.opened(opened.phoneNumber));
    this.deps.logger.info('session.open', { newLogin: opened.newLogin });
    this.bringUp.resolve();
    // Credential backups are the auth state's own business (after pairing, then at most hourly on saves).
    this.deps.hooks.onReady('open');
  }

  private onClose(closed: ConnectionClosed): void {
    this.socket.closed();
    if (this.phase === 'deleting') return void this.deletion.finish();
    const rule = decideDisconnect(closed);
    const requested = this.loggingOut;
    this.loggingOut = false;
    const disconnect: DisconnectInfo = { code: closed.code, reason: rule.reason, at: isoNow(this.deps.clock) };
    this.deps.hooks.onDisconnect(rule);
    this.deps.logger.info('session.closed', { code: closed.code, action: requested ? 'logged_out' : rule.action });
    if (requested) return void this.dormancy.loggedOut(disconnect, 'logged_out', true);
    switch (rule.action) {
      case 'reconnect_now':
        if (this.reconnects.restartNow()) return void this.connect();
        return this.failed(disconnect);
      case 'stop':
        return void this.dormancy.enter(this.notices.connectionReplaced(rule.reason, disconnect));
      case 'logged_out':
        return void this.dormancy.loggedOut(disconnect, rule.reason, false);
      case 'pairing_expired':
        return void this.dormancy.enter(this.notices.pairingExpired(rule.reason, disconnect));
      case 'backoff':
        return this.failed(disconnect);
    }
  }

  /** A connection failed: back off and try again, or park the session when it keeps failing. */
  private failed(disconnect: DisconnectInfo): void {
    if (!mayFollow(this.phase, 'waiting')) return;
    this.socket.drop();
    const delay = this.reconnects.failed();
    if (delay === 'park') return void this.dormancy.park(disconnect);
    this.enter('waiting');
    void this.reporter.report(this.notices.reconnecting(disconnect));
    this.bringUp.resolve();
    this.timer.start(delay, () => void this.connect());
  }

  private crashed(error: unknown): void {
    this.deps.logger.error('session.boot_failed', { error });
    this.failed({ code: 0, reason: 'boot_failed', at: isoNow(this.deps.clock) });
  }

  // --- endings ---------------------------------------------------------------------------------------

  /**
   * Logs the device out, purges, ends (session-deletion.ts). Resolves once the actor has ended; an actor
   * already closing begins none (the next owner finds the record deleted).
   */
  private beginDeletion(): Promise<void> {
    if (this.deletion.begun) return this.deletion.promise;
    const from = !this.socket.current ? 'no_socket' : this.phase === 'open' || this.phase === 'qr' ? this.phase : 'connecting';
    if (this.enter('deleting')) this.deletion.begin(from);
    return this.deletion.promise;
  }

  private async shutdown(reason: CloseReason): Promise<void> {
    const wasLive = this.phase === 'connecting' || this.phase === 'qr' || this.phase === 'open' || this.phase === 'waiting';
    this.enter('closing');
    this.timer.stop();
    // End the socket first (nothing new to persist after it), then let every pending credential write land.
    await this.socket.end();
    await this.credentials.flush();
    if (this.deps.owned.isValid()) {
      if (reason === 'stopped') void this.reporter.report(this.notices.stopped());
      else if (wasLive) void this.reporter.report(this.notices.handedOver());
    }
    await this.reporter.drain();
    this.release();
  }

  /** Ownership ended under us: stop at once, write nothing. */
  private abandon(reason: 'lost' | 'fenced'): void {
    if (this.phase === 'closed') return;
    this.deps.logger.warn('session.abandoned', { reason });
    this.reporter.disable();
    this.end(reason);
  }

  private end(reason: SessionEndReason): void {
    if (this.phase === 'closed') return;
    this.stopActing();
    this.release();
    this.deps.hooks.onEnded(reason);
  }

  /** No more transitions: the timer stops and the socket is dropped (the actor is closing). */
  private stopActing(): void {
    this.enter('closing');
    this.timer.stop();
    this.socket.drop();
  }

  private release(): void {
    this.enter('closed');
    this.timer.stop();
    this.credentials.forget();
    this.deps.owned.lost.removeEventListener('abort', this.onLost);
    this.bringUp.resolve();
    this.deletion.settle();
  }

  /** Moves to `next` when the phase rules allow it; false when the actor is ending or deleting. */
  private enter(next: Phase): boolean {
    if (!mayFollow(this.phase, next)) return false;
    this.phase = next;
    return true;
  }

  private live(): boolean {
    return this.phase !== 'closing' && this.phase !== 'closed';
  }
}
