/**
 * What a session actor tells its tenant at each step, as StatusChanges for the StatusReporter: the status
 * and reason written to the session record, what else the record gets (QR, phone number), and the events
 * published once the write landed (session.qr, session.needs_pairing, alerts). The actor decides when
 * (session-actor.ts); the words live here.
 */
import type { Clock } from '../../core/clock.ts';
import type { AnyEvent } from '../../core/domain/event.ts';
import type { DisconnectInfo, SessionStatus } from '../../core/domain/session.ts';
import type { ActorConfig } from './actor-config.ts';
import type { StatusChange, StatusReporter } from './status-reporter.ts';

/** A QR or pairing code is void once the session opens, goes dormant or stops. */
const CLEAR_PAIRING = { qr: null, qrExpiresAt: null, pairingCode: null } as const;

export class SessionNotices {
  constructor(
    private readonly reporter: Pick<StatusReporter, 'event'>,
    private readonly clock: Clock,
    private readonly config: Pick<ActorConfig, 'breaker' | 'firstQrTtlMs' | 'nextQrTtlMs'>,
  ) {}

  /** A first connection attempt (a reconnect stays `reconnecting` until it opens). */
  connecting(): StatusChange {
    return { status: 'connecting' };
  }

  /** A QR to scan; WhatsApp rotates them, the `first` of a connection attempt lives longer than the next. */
  qrShown(qr: string, first: boolean): StatusChange {
    const ttl = first ? this.config.firstQrTtlMs : this.config.nextQrTtlMs;
    const expiresAt = new Date(this.clock.now() + ttl).toISOString();
    return { status: 'qr', patch: { qr, qrExpiresAt: expiresAt }, events: [this.reporter.event('session.qr', { qr, expiresAt })] };
  }

  /** The code to enter on the phone instead of scanning the QR (the status stays `qr`). */
  pairingCode(code: string): StatusChange {
    return { patch: { pairingCode: code } };
  }

  opened(phoneNumber: string | undefined): StatusChange {
    return { status: 'open', patch: { ...CLEAR_PAIRING, ...(phoneNumber ? { phoneNumber } : {}) } };
  }

  /** A connection failed; the next attempt follows after a backoff. */
  reconnecting(disconnect: DisconnectInfo): StatusChange {
    return { status: 'reconnecting', reason: disconnect.reason, disconnect };
  }

  /** 440: another socket took this device over; never fight it. */
  connectionReplaced(reason: string, disconnect: DisconnectInfo): StatusChange {
    return dormant('stopped', reason, disconnect, [
      this.reporter.event('alert', {
        alert: 'connection_replaced',
        severity: 'critical',
        message: 'Another connection took over this WhatsApp session; it stays stopped until started again.',
      }),
    ]);
  }

  /** Every QR ref expired without a scan. */
  pairingExpired(reason: string, disconnect: DisconnectInfo): StatusChange {
    return dormant('needs_pairing', reason, disconnect, [
      this.reporter.event('session.needs_pairing', { reason, disconnectCode: disconnect.code }),
    ]);
  }

  /** The circuit breaker tripped (or a half-open probe failed). */
  parked(disconnect: DisconnectInfo): StatusChange {
    const { threshold, windowMs } = this.config.breaker;
    return dormant('failed', 'parked_after_repeated_failures', disconnect, [
      this.reporter.event('alert', {
        alert: 'session_parked',
        severity: 'critical',
        message: `Session parked after ${threshold} connection failures within ${Math.round(windowMs / 60_000)} min; start it to retry.`,
        details: { lastDisconnect: disconnect },
      }),
    ]);
  }

  /** The device was unlinked: by a `logout` command (`requested`, no alert) or by WhatsApp. */
  loggedOut(reason: string, disconnect: DisconnectInfo | undefined, requested: boolean): StatusChange {
    const events = [this.reporter.event('session.needs_pairing', { reason, disconnectCode: disconnect?.code })];
    if (!requested) {
      events.push(
        this.reporter.event('alert', { alert: 'logged_out', severity: 'warning', message: 'WhatsApp logged this session out; pair it again.' }),
      );
    }
    return dormant('needs_pairing', reason, disconnect, events);
  }

  /** The tenant stopped the session. */
  stopped(): StatusChange {
    return { status: 'stopped', reason: 'desired_state_stopped', patch: CLEAR_PAIRING };
  }

  /** This runner let the session go (handover, shutdown); another picks it up. */
  handedOver(): StatusChange {
    return { status: 'reconnecting', reason: 'handover', patch: CLEAR_PAIRING };
  }

  /** The session was deleted and purged: there is no record left to write, only the event. */
  purged(previousStatus: SessionStatus): AnyEvent {
    return this.reporter.event('session.status', { status: 'stopped', previousStatus, reason: 'deleted' });
  }
}

function dormant(status: SessionStatus, reason: string, disconnect: DisconnectInfo | undefined, events: AnyEvent[]): StatusChange {
  return { status, reason, disconnect, patch: CLEAR_PAIRING, events };
}
