import { DisconnectReason } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { decideDisconnect } from '../../../../socket-runner/session/disconnect-policy.ts';
import { DisconnectCode } from '../../../../socket-runner/whatsapp/whatsapp-connection.ts';

const close = (code: number, qrExpired = false) => ({ code, message: 'x', qrExpired });

describe('disconnect policy', () => {
  it('mirrors every code of Baileys DisconnectReason', () => {
    const baileys = Object.fromEntries(Object.entries(DisconnectReason).filter(([, value]) => typeof value === 'number'));
    expect(DisconnectCode).toEqual(baileys);
  });

  it.each([
    ['restartRequired', DisconnectReason.restartRequired, 'reconnect_now', 'restart_required'],
    ['connectionReplaced', DisconnectReason.connectionReplaced, 'stop', 'connection_replaced'],
    ['loggedOut', DisconnectReason.loggedOut, 'logged_out', 'logged_out'],
    ['forbidden', DisconnectReason.forbidden, 'backoff', 'forbidden'],
    ['badSession', DisconnectReason.badSession, 'backoff', 'bad_session'],
    ['connectionLost / timedOut', DisconnectReason.connectionLost, 'backoff', 'connection_lost'],
    ['connectionClosed', DisconnectReason.connectionClosed, 'backoff', 'connection_closed'],
    ['multideviceMismatch', DisconnectReason.multideviceMismatch, 'backoff', 'multidevice_mismatch'],
    ['unavailableService', DisconnectReason.unavailableService, 'backoff', 'service_unavailable'],
  ])('%s (%i) -> %s', (_name, code, action, reason) => {
    expect(decideDisconnect(close(code))).toEqual({ action, reason });
  });

  it('backs off on codes it does not know, and on a close without a code', () => {
    expect(decideDisconnect(close(999))).toEqual({ action: 'backoff', reason: 'unknown' });
    expect(decideDisconnect(close(0))).toEqual({ action: 'backoff', reason: 'unknown' });
  });

  it('treats the end of the pairing window as waiting for the tenant, not as a fault', () => {
    expect(decideDisconnect(close(DisconnectReason.timedOut, true))).toEqual({ action: 'pairing_expired', reason: 'qr_expired' });
  });
});
