/**
 * The Baileys adapter of the WhatsApp port (D5): one `makeWASocket` per connection attempt, configured for
 * a fleet — auth from the session's DynamoDB-backed state, no history sync, not marked online, no
 * in-memory store, `getMessage` answering nothing (Baileys keeps its own bounded recent-message cache for
 * retries), a logger bridge that lets no number or body through, and Baileys' per-socket
 * AsyncLocalStorage folded into one for the process — so a session costs no more than a bare Baileys
 * socket. `waWebSocketUrl` points it at the simulator locally.
 *
 * It translates both ways: Baileys events -> ConnectionListener calls with our shapes, our content ->
 * Baileys content, Baileys errors -> WhatsAppError (ambiguous or final). After `end()` or a close it
 * reports nothing more and holds no listener on the socket.
 */
import type { Readable } from 'node:stream';
import {
  makeWASocket,
  jidDecode,
  type BaileysEventMap,
} from '@whiskeysockets/baileys';
import type { MessageContent } from '../../core/domain/message.ts';
import { muteLibsignalSessionDumps } from '../../core/libsignal-console.ts';
import { bridgeBaileysLogger } from './baileys-logger.ts';
import { toReceipts, toReceivedMessage, toUserReceipts } from './inbound-message.ts';
import { DEFAULT_MEDIA_DOWNLOAD, MediaUnavailableError, openMediaStream, type MediaDownloadOptions } from './media-download.ts';
import { toBaileysMessage } from './message-content.ts';
import { withSharedAsyncContext } from './shared-async-context.ts';
import {
  DisconnectCode,
  WhatsAppError,
  type ConnectionFactory,
  type ConnectionParams,
  type ContactCheck,
  type SendOptions,
  type WhatsAppConnection,
} from './whatsapp-connection.ts';

export interface BaileysConnectionOptions {
  /** Where to connect (the simulator locally); Baileys' default (WhatsApp) when unset. */
  readonly waWebSocketUrl?: string;
  readonly connectTimeoutMs?: number;
  readonly media?: Partial<MediaDownloadOptions>;
}

export function baileysConnectionFactory(options: BaileysConnectionOptions = {}): ConnectionFactory {
  muteLibsignalSessionDumps();
  const media = { ...DEFAULT_MEDIA_DOWNLOAD, ...options.media };
  return (params) => new BaileysConnection(params, options, media);
}

type Socket = ReturnType<typeof makeWASocket>;

/** Close codes after which nothing can be said about whether a request reached WhatsApp. */
const CONNECTION_CODES: ReadonlySet<number> = new Set([
  DisconnectCode.connectionClosed,
  DisconnectCode.connectionLost,
  DisconnectCode.connectionReplaced,
  DisconnectCode.loggedOut,
  DisconnectCode.restartRequired,
  DisconnectCode.unavailableService,
  DisconnectCode.badSession,
]);

class BaileysConnection implements WhatsAppConnection {
  private readonly socket: Socket;
  private ended = false;
  private newLogin = false;
  private readonly detachers: (() => void)[] = [];

  constructor(
    private readonly params: ConnectionParams,
    options: BaileysConnectionOptions,
    private readonly media: MediaDownloadOptions,
  ) {
    // Baileys' per-socket AsyncLocalStorage would tax every promise in the process (shared-async-context.ts).
    this.socket = withSharedAsyncContext(() => makeWASocket({
      auth: params.auth.state,
      logger: bridgeBaileysLogger(params.logger),
      ...(options.waWebSocketUrl ? { waWebSocketUrl: options.waWebSocketUrl } : {}),
      ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      markOnlineOnConnect: false,
      shouldSyncHistoryMessage: () => false,
      syncFullHistory: false,
      emitOwnEvents: false,
      generateHighQualityLinkPreview: false,
      getMessage: async () => undefined,
    }));
    this.attach();
  }

  async sendMessage(jid: string, content: MessageContent, options: SendOptions): Promise<void> {
    this.assertUsable();
    const streams: Readable[] = [];
    try {
      const message = await toBaileysMessage(jid, content, options, async (url) => {
        const stream = await openMediaStream(url, this.media);
        streams.push(stream);
        return { stream };
      });
      await this.socket.sendMessage(jid, message.content, message.options);
    } catch (error) {
      throw classify(error, 'send');
    } finally {
      for (const stream of streams) stream.destroy(); // frees the media connection if Baileys did not read it all
    }
  }

  async checkContacts(phoneNumbers: readonly string[]): Promise<ContactCheck[]> {
    this.assertUsable();
    try {
      const found = (await this.socket.onWhatsApp(...phoneNumbers.map((digits) => `${digits}@s.whatsapp.net`))) ?? [];
      return phoneNumbers.map((phoneNumber) => {
        const match = found.find((entry) => jidDecode(entry.jid)?.user === phoneNumber);
        return match?.exists ? { phoneNumber, exists: true, jid: match.jid } : { phoneNumber, exists: false };
      });
    } catch (error) {
      throw classify(error, 'contact_check');
    }
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.assertUsable();
    try {
      return await this.socket.requestPairingCode(phoneNumber);
    } catch (error) {
      throw classify(error, 'pairing_code');
    }
  }

  async logout(): Promise<void> {
    this.assertUsable();
    await this.socket.logout();
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.detach();
    await this.socket.end(undefined);
  }

  private attach(): void {
    const { listener } = this.params;
    this.on('connection.update', (update) => {
      if (update.isNewLogin) this.newLogin = true;
      if (update.qr) listener.onQr(update.qr);
      if (update.connection === 'open') {
        const user = jidDecode(this.socket.user?.id)?.user;
        listener.onOpen({ phoneNumber: user && /^[0-9]+$/.test(user) ? user : undefined, newLogin: this.newLogin });
      }
      if (update.connection === 'close') {
        const error = update.lastDisconnect?.error as (Error & { output?: { statusCode?: number } }) | undefined;
        const message = error?.message ?? '';
        this.ended = true;
        this.detach();
        listener.onClose({ code: error?.output?.statusCode ?? 0, message, qrExpired: message === 'QR refs attempts ended' });
      }
    });
    this.on('creds.update', () => listener.onCredsUpdate());
    this.on('messages.upsert', ({ messages, type }) => {
      for (const message of messages) {
        // Baileys' event buffer folds a receipt that arrives within ~100 ms of a send into the upsert.
        if (message.key.fromMe && typeof message.status === 'number') {
          toReceipts([{ key: message.key, update: { status: message.status } }]).forEach((receipt) => listener.onReceipt(receipt));
          continue;
        }
        const received = type === 'notify' ? toReceivedMessage(message) : undefined;
        if (received) listener.onMessage(received);
      }
    });
    this.on('messages.update', (updates) => toReceipts(updates).forEach((receipt) => listener.onReceipt(receipt)));
    this.on('message-receipt.update', (updates) => toUserReceipts(updates).forEach((receipt) => listener.onReceipt(receipt)));
  }

  /** Subscribes a handler that is dropped once the connection ends, and guarded against late events. */
  private on<E extends keyof BaileysEventMap>(event: E, handler: (data: BaileysEventMap[E]) => void): void {
    const guarded = (data: BaileysEventMap[E]) => {
      if (this.ended) return;
      try {
        handler(data);
      } catch (error) {
        this.params.logger.error('baileys.handler_failed', { event, error });
      }
    };
    this.socket.ev.on(event, guarded);
    this.detachers.push(() => this.socket.ev.off(event, guarded));
  }

  private detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }

  private assertUsable(): void {
    if (this.ended) throw new WhatsAppError('connection_closed', 'the connection is closed', true);
  }
}

/** A Baileys failure as a WhatsAppError: final when the request itself was refused, else ambiguous. */
function classify(error: unknown, operation: string): WhatsAppError {
  if (error instanceof WhatsAppError) return error;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (error instanceof MediaUnavailableError || cause instanceof MediaUnavailableError) {
    return new WhatsAppError('media_unavailable', (error as Error).message, false, error);
  }
  const status = (error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
  const message = (error as Error | undefined)?.message ?? 'unknown error';
  if (status !== undefined && status >= 400 && status < 500 && !CONNECTION_CODES.has(status) && status !== 408) {
    return new WhatsAppError(`${operation}_rejected`, message, false, error);
  }
  return new WhatsAppError(`${operation}_interrupted`, message, true, error);
}
