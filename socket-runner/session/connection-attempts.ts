/**
 * The session actor's socket: at most one WhatsApp connection at a time, each a numbered attempt. What an
 * attempt reports reaches the actor only while it is the current attempt and the actor is live, so a
 * dropped socket's late events (a close racing a reconnect, a QR after a deletion) cannot move the actor.
 */
import type { Logger } from '../../core/logger.ts';
import type { SessionAuthState } from '../contracts.ts';
import type { ConnectionFactory, ConnectionListener, WhatsAppConnection } from '../whatsapp/whatsapp-connection.ts';

export interface ConnectionAttemptsDeps {
  readonly connect: ConnectionFactory;
  readonly logger: Logger;
  /** False once the actor is closing: nothing reaches it any more. */
  readonly live: () => boolean;
}

export class ConnectionAttempts {
  private connection: WhatsAppConnection | undefined;
  private attempt = 0;

  constructor(private readonly deps: ConnectionAttemptsDeps) {}

  /** The connection of the current attempt, until it closes or is dropped. */
  get current(): WhatsAppConnection | undefined {
    return this.connection;
  }

  /** Starts a new attempt; throws what the connection factory throws. */
  open(auth: SessionAuthState, listener: ConnectionListener): void {
    const attempt = ++this.attempt;
    const current = () => attempt === this.attempt && this.deps.live();
    this.connection = this.deps.connect({ auth, listener: guarded(listener, current), logger: this.deps.logger });
  }

  /** The socket closed by itself (it reports nothing after its close). */
  closed(): void {
    this.connection = undefined;
  }

  /** Ends the socket in the background; nothing it reports from now on reaches the actor. */
  drop(): void {
    const connection = this.connection;
    this.connection = undefined;
    this.attempt++;
    connection?.end().catch((error: unknown) => this.deps.logger.warn('session.end_failed', { error }));
  }

  /** Ends the socket and waits for it (a graceful stop: the actor is no longer live). */
  async end(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    await connection?.end().catch((error: unknown) => this.deps.logger.warn('session.end_failed', { error }));
  }
}

function guarded(listener: ConnectionListener, current: () => boolean): ConnectionListener {
  return {
    onQr: (qr) => current() && listener.onQr(qr),
    onOpen: (opened) => current() && listener.onOpen(opened),
    onClose: (closed) => current() && listener.onClose(closed),
    onCredsUpdate: () => current() && listener.onCredsUpdate(),
    onMessage: (message) => current() && listener.onMessage(message),
    onReceipt: (receipt) => current() && listener.onReceipt(receipt),
  };
}
