/**
 * What the session actor does when a socket closes: ONE table keyed by WhatsApp's disconnect code
 * (Baileys' `DisconnectReason`, D5). Everything a reviewer needs to check the reconnect behaviour of the
 * fleet is in this file.
 *
 * - reconnect_now: WhatsApp asked for a restart (515, after pairing): reconnect immediately.
 * - stop:          another socket took over this device (440). Never fight: stay down until the tenant
 *                  starts the session again.
 * - logged_out:    the device was unlinked (401): the credentials are dead; purge them and wait for a new
 *                  pairing.
 * - backoff:       anything else (403, 500, 408, 428, 411, 503, unknown): reconnect after a full-jitter
 *                  delay; the circuit breaker parks a session that keeps failing.
 * - pairing_expired: not a fault but the pairing window closing (every QR ref expired, Baileys reports it
 *                  as 408): wait for the tenant instead of generating QR codes nobody scans.
 */
import { DisconnectCode, type ConnectionClosed } from '../whatsapp/whatsapp-connection.ts';

export type DisconnectAction = 'reconnect_now' | 'stop' | 'logged_out' | 'backoff' | 'pairing_expired';

export interface DisconnectRule {
  readonly action: DisconnectAction;
  /** Stable, tenant-facing reason (session `lastDisconnect.reason`, event `reason`). */
  readonly reason: string;
}

export const DISCONNECT_POLICY: ReadonlyMap<number, DisconnectRule> = new Map<number, DisconnectRule>([
  [DisconnectCode.restartRequired, { action: 'reconnect_now', reason: 'restart_required' }],
  [DisconnectCode.connectionReplaced, { action: 'stop', reason: 'connection_replaced' }],
  [DisconnectCode.loggedOut, { action: 'logged_out', reason: 'logged_out' }],
  [DisconnectCode.forbidden, { action: 'backoff', reason: 'forbidden' }],
  [DisconnectCode.badSession, { action: 'backoff', reason: 'bad_session' }],
  [DisconnectCode.connectionLost, { action: 'backoff', reason: 'connection_lost' }],
  [DisconnectCode.connectionClosed, { action: 'backoff', reason: 'connection_closed' }],
  [DisconnectCode.multideviceMismatch, { action: 'backoff', reason: 'multidevice_mismatch' }],
  [DisconnectCode.unavailableService, { action: 'backoff', reason: 'service_unavailable' }],
]);

const UNKNOWN: DisconnectRule = { action: 'backoff', reason: 'unknown' };
const PAIRING_EXPIRED: DisconnectRule = { action: 'pairing_expired', reason: 'qr_expired' };

/** The rule for a close. */
export function decideDisconnect(closed: ConnectionClosed): DisconnectRule {
  if (closed.qrExpired) return PAIRING_EXPIRED;
  return DISCONNECT_POLICY.get(closed.code) ?? UNKNOWN;
}
