/**
 * Binary-node routing for every connection: after the handshake, a ClientPayload with pairing data starts
 * registration and one with username/device is a login; after that each stanza goes to its handler (iq,
 * message, receipt; acks, presences and the rest need no answer). Login is here because it is where the
 * overlap rule applies: a device that logs in while another of its connections is still authenticated gets
 * the session, and the older socket is replaced with a 440 conflict, as WhatsApp does.
 */
import { node, unixTime, type BinaryNode } from './binary-node.ts';
import type { ConnectionHooks, SimConnection } from './connection.ts';
import type { DeviceHub } from './device-hub.ts';
import type { Directory } from './directory.ts';
import { handleIq, type IqDeps } from './iq-handlers.ts';
import type { Messaging } from './messaging.ts';
import type { HandshakeResult } from './noise-server.ts';
import type { Registration } from './registration.ts';

export interface SimLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface RouterDeps extends IqDeps {
  readonly directory: Directory;
  readonly hub: DeviceHub;
  readonly registration: Registration;
  readonly messaging: Messaging;
  readonly logger: SimLogger;
  readonly connections: Set<SimConnection>;
}

/** Only the last digits: enough to tell numbers apart in a log line. */
export function maskNumber(number: string): string {
  return `…${number.slice(-3)}`;
}

export class Router implements ConnectionHooks {
  constructor(private readonly deps: RouterDeps) {}

  onHandshake(connection: SimConnection, { payload }: HandshakeResult): void {
    if (payload.devicePairingData && !payload.username) {
      connection.phase = 'registering';
      this.deps.registration.begin(connection, payload);
      return;
    }
    this.login(connection, String(payload.username ?? ''), payload.device ?? 0);
  }

  async onNode(connection: SimConnection, stanza: BinaryNode): Promise<void> {
    switch (stanza.tag) {
      case 'iq':
        handleIq(this.deps, connection, stanza);
        return;
      case 'message':
        if (connection.phase === 'authenticated') await this.deps.messaging.outbound(connection, stanza);
        return;
      case 'receipt':
        if (connection.phase === 'authenticated') this.deps.messaging.receipt(connection, stanza);
        return;
      default:
        return; // ack, presence, ib, chatstate, call: nothing to answer
    }
  }

  onClose(connection: SimConnection): void {
    this.deps.connections.delete(connection);
    this.deps.registration.closed(connection);
    this.deps.hub.closed(connection);
  }

  onError(connection: SimConnection, error: unknown): void {
    this.deps.logger.warn('connection.error', { connection: connection.id, error: (error as Error)?.message });
  }

  private login(connection: SimConnection, number: string, deviceId: number): void {
    const phone = this.deps.directory.existing(number);
    const device = phone?.devices.get(deviceId);
    if (!phone || !device || device.removed || !connection.clientStaticKey?.equals(device.noiseKey)) {
      this.deps.logger.info('login.refused', { phone: maskNumber(number), deviceId });
      connection.endWith(node('failure', { reason: '401', location: 'sim' }));
      return;
    }
    connection.device = device;
    connection.phase = 'authenticated';
    const older = this.deps.hub.login(connection, device);
    connection.send(node('success', { t: unixTime(), lid: `${phone.lid}:${deviceId}@lid`, creation: String(Math.floor(device.pairedAt / 1000)) }));
    for (const replaced of older) replaced.streamError({}, node('conflict', { type: 'replaced' }));
    if (older.length > 0) this.deps.logger.warn('login.overlap', { phone: maskNumber(number), deviceId, replaced: older.length });
    const queued = this.deps.hub.drain(device);
    for (const stanza of queued) connection.send(stanza);
    connection.send(node('ib', {}, [node('offline', { count: String(queued.length) })]));
  }
}
