/**
 * The session actor: one per hosted session, the owner of its WhatsApp socket (D4, D5). A small explicit
 * state machine over one connection attempt at a time:
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
 *
 * What it observes goes to the session record and the events queue through the StatusReporter (fenced).
 * Every timer and listener it creates is released when it ends (tested with many actors).
 */
import type { Clock } from '../../core/clock.ts';
import { isoNow } from '../../core/clock.ts';
import type { DisconnectInfo, Pacing, SessionRecord, SessionStatus } from '../../core/domain/session.ts';
import { DEFAULT_PACING } from '../../core/domain/session.ts';
import { FencedError, type CloseReason, type SessionAuthState, type SessionEndReason } from '../contracts.ts';
import {
  WhatsAppError,
  type ConnectionClosed,
  type ConnectionListener,
  type ConnectionOpened,
  type WhatsAppConnection,
} from '../whatsapp/whatsapp-connection.ts';
import type { Readiness, SessionActorDeps } from './actor-config.ts';
import { fullJitterDelay } from './backoff.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { decideDisconnect } from './disconnect-policy.ts';
import { StatusReporter, type StatusChange } from './status-reporter.ts';

type Phase = 'idle' | 'connecting' | 'qr' | 'open' | 'waiting' | 'dormant' | 'deleting' | 'closing' | 'closed';

const DORMANT_STATUSES: ReadonlySet<SessionStatus> = new Set(['needs_pairing', 'failed', 'stopped']);
const CLEAR_PAIRING = { qr: null, qrExpiresAt: null, pairingCode: null } as const;

export class SessionActor {
  private phase: Phase = 'idle';
  private connection: WhatsAppConnection | undefined;
  private auth: SessionAuthState | undefined;
  private record: SessionRecord | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private attemptSeq = 0;
  private qrCount = 0;
  private backoffAttempt = 0;
  private restarts = 0;
  private probing = false;
  private parked = false;
  private parkedAt = 0;
  private loggingOut = false;
  private dormantSince = '';
  private deletion: Deferred | undefined;
  private closing: Promise<void> | undefined;
  private readonly bringUp = deferred();
  private readonly breaker: CircuitBreaker;
  private readonly reporter: StatusReporter;
  private readonly onLost = () => this.abandon('lost');

  constructor(private readonly deps: SessionActorDeps) {
    this.breaker = new CircuitBreaker(deps.config.breaker, deps.clock);
    this.reporter = new StatusReporter({ ...deps, onFenced: () => this.abandon('fenced') });
  }

  get tenantId(): string {
    return this.deps.owned.tenantId;
  }

  get sessionId(): string {
    return this.deps.owned.sessionId;
  }

  status(): SessionStatus {
    return this.reporter.current();
  }

  /** Milliseconds in the current status. */
  statusAgeMs(): number {
    return this.reporter.statusAgeMs();
  }

  readiness(): Readiness {
    if (this.phase === 'open' && this.connection) return 'open';
    if (this.phase === 'qr' && this.connection) return 'pairing';
    return this.phase === 'closing' || this.phase === 'closed' || this.phase === 'deleting' ? 'gone' : 'unavailable';
  }

  /** The live connection, for commands; only while open (or pairing, for a pairing code). */
  connectionForCommands(): WhatsAppConnection | undefined {
    return this.readiness() === 'open' ? this.connection : undefined;
  }

  pacing(): Pacing {
    return this.record?.pacing ?? DEFAULT_PACING;
  }

  /** Re-reads the record (pacing changes); undefined when it is gone. */
  async refreshRecord(): Promise<SessionRecord | undefined> {
    const record = await this.deps.sessions.get(this.deps.owned.tenantId, this.sessionId);
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
    this.phase = 'connecting';
    this.boot().catch((error: unknown) => this.crashed(error));
    return this.bringUp.promise;
  }

  /** Graceful stop (handover, shutdown, tenant stop) or, for `deleted`, logout and purge. */
  close(reason: CloseReason): Promise<void> {
    if (reason === 'deleted' && this.live()) return this.beginDeletion();
    if (this.deletion) return this.deletion.promise;
    this.closing ??= this.phase === 'closed' ? Promise.resolve() : this.shutdown(reason);
    return this.closing;
  }

  /** The `logout` command: unlink the device; the session then waits for a new pairing (or is purged). */
  async logout(): Promise<void> {
    if (!this.live()) throw new WhatsAppError('session_unavailable', 'session is not running here', false);
    const record = await this.refreshRecord();
    if (!record || record.deletedAt) return this.beginDeletion();
    if (this.phase === 'open' && this.connection) {
      this.loggingOut = true;
      try {
        await this.connection.logout();
      } catch (error) {
        this.loggingOut = false; // not sent: a later close is not this logout (the command is retried)
        throw error;
      }
      return;
    }
    this.stopTimer();
    this.dropConnection();
    await this.loggedOut(undefined, 'logged_out', true);
  }

  /** The `request_pairing_code` command: only while the socket waits for pairing. */
  async requestPairingCode(phoneNumber: string): Promise<string> {
    const connection = this.connection;
    if (this.phase !== 'qr' || !connection) throw new WhatsAppError('session_not_pairing', 'session is not waiting for pairing', false);
    const code = await connection.requestPairingCode(phoneNumber);
    await this.reporter.report({ patch: { pairingCode: code } });
    return code;
  }

  // --- lifecycle -------------------------------------------------------------------------------------

  private async boot(): Promise<void> {
    const record = await this.deps.sessions.get(this.deps.owned.tenantId, this.sessionId);
    if (!this.live()) return;
    if (!record) return this.end('gone');
    this.record = record;
    this.reporter.adopt(record);
    if (record.deletedAt) return void this.beginDeletion();
    if (DORMANT_STATUSES.has(record.status) && !startedSince(record, record.statusChangedAt)) {
      this.parked = record.status === 'failed';
      this.parkedAt = this.deps.clock.monotonic() - ageMs(record.statusChangedAt, this.deps.clock);
      return this.sleep(record.statusChangedAt);
    }
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (!this.live() || this.phase === 'deleting' || !this.deps.owned.isValid()) return;
    this.phase = 'connecting';
    if (!(await this.loadAuth())) return;
    if (this.phase !== 'connecting') return;
    if (this.reporter.current() !== 'reconnecting') void this.reporter.report({ status: 'connecting' });
    this.openSocket();
  }

  private async loadAuth(): Promise<boolean> {
    if (this.auth) return true;
    try {
      this.auth = await this.deps.auth.open(this.deps.owned);
      return this.live();
    } catch (error) {
      if (error instanceof FencedError) this.abandon('fenced');
      else if (this.live() && this.phase !== 'deleting') {
        this.deps.logger.error('session.auth_unavailable', { error });
        this.failed({ code: 0, reason: 'auth_unavailable', at: isoNow(this.deps.clock) });
      }
      return false;
    }
  }

  private openSocket(): void {
    const attempt = ++this.attemptSeq;
    this.qrCount = 0;
    try {
      this.connection = this.deps.connect({ auth: this.auth!, listener: this.listener(attempt), logger: this.deps.logger });
    } catch (error) {
      this.deps.logger.error('session.connect_failed', { error });
      this.failed({ code: 0, reason: 'connect_failed', at: isoNow(this.deps.clock) });
    }
  }

  private listener(attempt: number): ConnectionListener {
    const current = () => attempt === this.attemptSeq && this.live();
    return {
      onQr: (qr) => current() && this.onQr(qr),
      onOpen: (opened) => current() && this.onOpen(opened),
      onClose: (closed) => current() && this.onClose(closed),
      onCredsUpdate: () => current() && this.saveCreds(),
      onMessage: (message) => current() && this.deps.hooks.onMessage(message),
      onReceipt: (receipt) => current() && this.deps.hooks.onReceipt(receipt),
    };
  }

  private onQr(qr: string): void {
    if (this.phase === 'deleting') return void this.finishDeletion();
    const first = this.phase !== 'qr';
    this.phase = 'qr';
    this.qrCount += 1;
    const ttl = this.qrCount === 1 ? this.deps.config.firstQrTtlMs : this.deps.config.nextQrTtlMs;
    const expiresAt = new Date(this.deps.clock.now() + ttl).toISOString();
    void this.reporter.report({
      status: 'qr',
      patch: { qr, qrExpiresAt: expiresAt },
      events: [this.reporter.event('session.qr', { qr, expiresAt })],
    });
    this.bringUp.resolve();
    if (first) this.deps.hooks.onReady('pairing');
  }

  private onOpen(opened: ConnectionOpened): void {
    if (this.phase === 'deleting') {
      this.connection?.logout().catch(() => this.finishDeletion());
      return;
    }
    this.phase = 'open';
    this.backoffAttempt = 0;
    this.restarts = 0;
    this.probing = false;
    this.parked = false;
    void this.reporter.report({
      status: 'open',
      patch: { ...CLEAR_PAIRING, ...(opened.phoneNumber ? { phoneNumber: opened.phoneNumber } : {}) },
    });
    this.deps.logger.info('session.open', { newLogin: opened.newLogin });
    this.bringUp.resolve();
    // Credential backups are the auth state's own business (after pairing, then at most hourly on saves).
    this.deps.hooks.onReady('open');
  }

  private onClose(closed: ConnectionClosed): void {
    this.connection = undefined;
    if (this.phase === 'deleting') return void this.finishDeletion();
    const rule = decideDisconnect(closed);
    const requested = this.loggingOut;
    this.loggingOut = false;
    const disconnect: DisconnectInfo = { code: closed.code, reason: rule.reason, at: isoNow(this.deps.clock) };
    this.deps.hooks.onDisconnect(rule);
    this.deps.logger.info('session.closed', { code: closed.code, action: requested ? 'logged_out' : rule.action });
    if (requested) return void this.loggedOut(disconnect, 'logged_out', true);
    switch (rule.action) {
      case 'reconnect_now':
        if (++this.restarts <= this.deps.config.maxRestartsWithoutOpen) return void this.connect();
        return this.failed(disconnect);
      case 'stop':
        return void this.sleepWith('stopped', rule.reason, disconnect, [
          this.reporter.event('alert', {
            alert: 'connection_replaced',
            severity: 'critical',
            message: 'Another connection took over this WhatsApp session; it stays stopped until started again.',
          }),
        ]);
      case 'logged_out':
        return void this.loggedOut(disconnect, rule.reason, false);
      case 'pairing_expired':
        return void this.sleepWith('needs_pairing', rule.reason, disconnect, [
          this.reporter.event('session.needs_pairing', { reason: rule.reason, disconnectCode: closed.code }),
        ]);
      case 'backoff':
        return this.failed(disconnect);
    }
  }

  private failed(disconnect: DisconnectInfo): void {
    this.dropConnection();
    if (this.probing || this.breaker.recordFailure()) return void this.park(disconnect);
    const delay = fullJitterDelay(this.backoffAttempt++, this.deps.config.backoff, this.deps.random);
    this.phase = 'waiting';
    void this.reporter.report({ status: 'reconnecting', reason: disconnect.reason, disconnect });
    this.bringUp.resolve();
    this.schedule(delay, () => void this.connect());
  }

  private async park(disconnect: DisconnectInfo): Promise<void> {
    const { threshold, windowMs } = this.deps.config.breaker;
    this.parked = true;
    this.parkedAt = this.deps.clock.monotonic();
    this.probing = false;
    await this.sleepWith('failed', 'parked_after_repeated_failures', disconnect, [
      this.reporter.event('alert', {
        alert: 'session_parked',
        severity: 'critical',
        message: `Session parked after ${threshold} connection failures within ${Math.round(windowMs / 60_000)} min; start it to retry.`,
        details: { lastDisconnect: disconnect },
      }),
    ]);
  }

  private async loggedOut(disconnect: DisconnectInfo | undefined, reason: string, requested: boolean): Promise<void> {
    this.phase = 'dormant';
    this.stopTimer();
    const record = await this.refreshRecord().catch(() => this.record);
    if (!this.live()) return;
    if (!record || record.deletedAt) return void this.beginDeletion();
    try {
      await this.purgeCredentials();
    } catch (error) {
      this.deps.logger.error('session.creds_purge_failed', { error });
    }
    if (!this.live()) return;
    const events = [this.reporter.event('session.needs_pairing', { reason, disconnectCode: disconnect?.code })];
    if (!requested) {
      events.push(
        this.reporter.event('alert', { alert: 'logged_out', severity: 'warning', message: 'WhatsApp logged this session out; pair it again.' }),
      );
    }
    await this.sleepWith('needs_pairing', reason, disconnect, events);
  }

  /** Goes dormant after writing the status that explains why. */
  private async sleepWith(status: SessionStatus, reason: string, disconnect: DisconnectInfo | undefined, events: StatusChange['events']) {
    this.phase = 'dormant';
    this.stopTimer();
    this.dropConnection();
    this.bringUp.resolve();
    const written = await this.reporter.report({ status, reason, disconnect, patch: CLEAR_PAIRING, events });
    if (this.phase === 'dormant') this.sleep(written?.statusChangedAt ?? isoNow(this.deps.clock));
  }

  private sleep(since: string): void {
    this.phase = 'dormant';
    this.dormantSince = since;
    this.bringUp.resolve();
    this.schedule(this.deps.config.dormantPollMs, () => void this.poll());
  }

  private async poll(): Promise<void> {
    let record: SessionRecord | undefined;
    try {
      record = await this.refreshRecord();
    } catch (error) {
      this.deps.logger.warn('session.poll_failed', { error });
      if (this.phase === 'dormant') this.schedule(this.deps.config.dormantPollMs, () => void this.poll());
      return;
    }
    if (this.phase !== 'dormant') return;
    if (!record) return this.end('gone');
    if (record.deletedAt) return void this.beginDeletion();
    const probeDue =
      this.parked && this.deps.config.parkedProbeMs > 0 && this.deps.clock.monotonic() - this.parkedAt >= this.deps.config.parkedProbeMs;
    if (record.desiredState === 'running' && startedSince(record, this.dormantSince)) {
      this.deps.logger.info('session.resumed', { by: 'tenant' });
      this.resume(false);
    } else if (probeDue) {
      this.deps.logger.info('session.resumed', { by: 'probe' });
      this.resume(true);
    } else {
      this.schedule(this.deps.config.dormantPollMs, () => void this.poll());
    }
  }

  private resume(probe: boolean): void {
    this.breaker.reset();
    this.backoffAttempt = 0;
    this.restarts = 0;
    this.parked = false;
    this.probing = probe;
    void this.connect();
  }

  /** Lets pending credential writes land first, so none resurrects part of what the purge removes. */
  private async purgeCredentials(): Promise<void> {
    const auth = this.auth;
    this.auth = undefined;
    await auth?.flush().catch((error: unknown) => this.deps.logger.warn('session.creds_flush_failed', { error }));
    await this.deps.auth.purge(this.deps.owned.tenantId, this.sessionId);
  }

  private saveCreds(): void {
    this.auth?.saveCreds().catch((error: unknown) => {
      if (error instanceof FencedError) this.abandon('fenced');
      else this.deps.logger.error('session.creds_save_failed', { error });
    });
  }

  // --- deletion --------------------------------------------------------------------------------------

  private beginDeletion(): Promise<void> {
    if (this.deletion) return this.deletion.promise;
    const deletion = (this.deletion = deferred());
    const was = this.connection ? this.phase : 'no_socket';
    this.phase = 'deleting';
    this.stopTimer();
    this.schedule(this.deps.config.deletionTimeoutMs, () => void this.finishDeletion());
    if (was === 'open') this.connection!.logout().catch(() => this.finishDeletion());
    else if (was === 'qr') void this.finishDeletion(); // never paired: nothing to log out
    else if (was === 'no_socket') void this.connectForDeletion();
    // A socket still connecting logs out when it opens, or purges when it shows a QR or closes.
    return deletion.promise;
  }

  private async connectForDeletion(): Promise<void> {
    await this.loadAuth();
    if (this.phase !== 'deleting') return;
    if (this.auth?.hasCredentials() && this.deps.owned.isValid()) this.openSocket();
    else await this.finishDeletion();
  }

  private async finishDeletion(): Promise<void> {
    if (this.phase !== 'deleting') return;
    this.phase = 'closing';
    this.stopTimer();
    this.dropConnection();
    const { tenantId } = this.deps.owned;
    try {
      if (this.deps.owned.isValid()) {
        await this.deps.hooks.beforePurge();
        await this.purgeCredentials();
        await this.deps.sessions.purge(tenantId, this.sessionId);
        this.reporter.publish([this.reporter.event('session.status', { status: 'stopped', previousStatus: this.status(), reason: 'deleted' })]);
        this.deps.logger.info('session.purged');
      }
    } catch (error) {
      this.deps.logger.error('session.purge_failed', { error });
    }
    this.end('purged');
  }

  // --- endings ---------------------------------------------------------------------------------------

  private async shutdown(reason: CloseReason): Promise<void> {
    const wasLive = this.phase === 'connecting' || this.phase === 'qr' || this.phase === 'open' || this.phase === 'waiting';
    this.phase = 'closing';
    this.stopTimer();
    const connection = this.connection;
    this.connection = undefined;
    // End the socket first (nothing new to persist after it), then let every pending credential write land.
    await connection?.end().catch((error: unknown) => this.deps.logger.warn('session.end_failed', { error }));
    try {
      await this.auth?.flush();
    } catch (error) {
      this.deps.logger.warn('session.creds_flush_failed', { error });
    }
    if (this.deps.owned.isValid()) {
      if (reason === 'stopped') void this.reporter.report({ status: 'stopped', reason: 'desired_state_stopped', patch: CLEAR_PAIRING });
      else if (wasLive) void this.reporter.report({ status: 'reconnecting', reason: 'handover', patch: CLEAR_PAIRING });
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
    this.phase = 'closing';
    this.stopTimer();
    this.dropConnection();
    this.release();
    this.deps.hooks.onEnded(reason);
  }

  private release(): void {
    this.phase = 'closed';
    this.stopTimer();
    this.auth = undefined;
    this.deps.owned.lost.removeEventListener('abort', this.onLost);
    this.bringUp.resolve();
    this.deletion?.resolve();
  }

  private crashed(error: unknown): void {
    this.deps.logger.error('session.boot_failed', { error });
    if (this.live() && this.phase !== 'deleting') this.failed({ code: 0, reason: 'boot_failed', at: isoNow(this.deps.clock) });
  }

  private dropConnection(): void {
    const connection = this.connection;
    this.connection = undefined;
    this.attemptSeq++;
    connection?.end().catch((error: unknown) => this.deps.logger.warn('session.end_failed', { error }));
  }

  private live(): boolean {
    return this.phase !== 'closing' && this.phase !== 'closed';
  }

  private schedule(ms: number, run: () => void): void {
    this.stopTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, ms);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** True when the tenant set the desired state after `since` (a start resets a dormant session). */
function startedSince(record: SessionRecord, since: string): boolean {
  return record.desiredState === 'running' && !!record.desiredStateChangedAt && record.desiredStateChangedAt > since;
}

function ageMs(iso: string, clock: Clock): number {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? 0 : Math.max(0, clock.now() - at);
}

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
