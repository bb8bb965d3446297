/**
 * The port between hosting and WhatsApp (D5). The session actor and the command executor talk to a
 * `WhatsAppConnection`; the Baileys adapter (baileys-connection.ts) implements it, and tests use a fake.
 * Nothing on this side of the port imports Baileys: content goes in as our own `MessageContent`, events
 * come out as our own shapes (the adapter converts both ways).
 *
 * One connection is one socket attempt: created connecting, it reports qr / open / close exactly as they
 * happen and reports nothing after `end()` or after its close. The actor makes a new one to reconnect.
 */
import type { MessageContent } from '../../core/domain/message.ts';
import type { ReceivedMessageData } from '../../core/domain/event.ts';
import { AppError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { SessionAuthState } from '../contracts.ts';

/**
 * WhatsApp's disconnect codes, as Baileys' `DisconnectReason` (a unit test pins them to Baileys' enum), so
 * the disconnect policy can be keyed by them without importing Baileys.
 */
export const DisconnectCode = {
  connectionClosed: 428,
  connectionLost: 408,
  connectionReplaced: 440,
  timedOut: 408,
  loggedOut: 401,
  badSession: 500,
  restartRequired: 515,
  multideviceMismatch: 411,
  forbidden: 403,
  unavailableService: 503,
} as const;

export interface ConnectionClosed {
  /** The disconnect code (Baileys' `DisconnectReason`); 0 when the socket gave none. */
  readonly code: number;
  readonly message: string;
  /** The pairing window ended: every QR ref expired without a scan (Baileys closes with 408). */
  readonly qrExpired: boolean;
}

export interface ConnectionOpened {
  /** Digits of the paired phone number (`me.id`). */
  readonly phoneNumber?: string;
  /** True when this socket completed a fresh pairing (QR or code) rather than resuming credentials. */
  readonly newLogin: boolean;
}

/** A delivery or read receipt for a message this session sent. */
export interface OutboundReceipt {
  readonly waMessageId: string;
  /** `failed`: WhatsApp rejected the message after accepting it (e.g. the number is not on WhatsApp). */
  readonly status: 'sent' | 'delivered' | 'read' | 'failed';
  /** The recipient's digits (or the chat JID for groups). */
  readonly recipient?: string;
  readonly at?: string;
}

/** What a connection reports. Called synchronously from the socket's event loop: keep handlers cheap. */
export interface ConnectionListener {
  onQr(qr: string): void;
  onOpen(opened: ConnectionOpened): void;
  onClose(closed: ConnectionClosed): void;
  /** Credentials changed in memory: persist them (`SessionAuthState.saveCreds`). */
  onCredsUpdate(): void;
  /** An inbound message from someone else (own messages and status broadcasts are filtered out). */
  onMessage(message: ReceivedMessageData): void;
  onReceipt(receipt: OutboundReceipt): void;
}

/** A message this session is quoting: our own earlier message or one it received. */
export interface QuotedMessage {
  readonly waMessageId: string;
  readonly fromMe: boolean;
  /** The quoted text, when known; WhatsApp shows it in the reply bubble. */
  readonly text?: string;
}

export interface SendOptions {
  /** The WhatsApp message id to send with: derived from the command id (D6). */
  readonly messageId: string;
  readonly quoted?: QuotedMessage;
}

export interface ContactCheck {
  readonly phoneNumber: string;
  readonly exists: boolean;
  readonly jid?: string;
}

export interface WhatsAppConnection {
  /** Sends `content` to `jid` with the given message id; resolves once WhatsApp's server has it. */
  sendMessage(jid: string, content: MessageContent, options: SendOptions): Promise<void>;
  /** Which of these numbers (digits) are on WhatsApp. */
  checkContacts(phoneNumbers: readonly string[]): Promise<ContactCheck[]>;
  /** Asks WhatsApp for an 8-character pairing code for `phoneNumber` (digits); only while pairing. */
  requestPairingCode(phoneNumber: string): Promise<string>;
  /** Unlinks this device from the account; the connection then closes with 401. */
  logout(): Promise<void>;
  /** Closes the socket gracefully and releases every listener and timer; reports nothing afterwards. */
  end(): Promise<void>;
}

export interface ConnectionParams {
  readonly auth: SessionAuthState;
  readonly listener: ConnectionListener;
  readonly logger: Logger;
}

/** Opens a new connection attempt (the socket starts connecting at once). */
export type ConnectionFactory = (params: ConnectionParams) => WhatsAppConnection;

/**
 * A send or query failed. `ambiguous` means WhatsApp may or may not have the message (the socket dropped
 * mid-request, a timeout): the command stays claimed and is retried with the same message id. Otherwise
 * the failure is final for this command (bad content, media that cannot be fetched).
 */
export class WhatsAppError extends AppError {
  readonly ambiguous: boolean;

  constructor(code: string, message: string, ambiguous: boolean, cause?: unknown) {
    super(code, message, 502, { cause });
    this.ambiguous = ambiguous;
  }
}
