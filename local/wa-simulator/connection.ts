/**
 * One client WebSocket: noise handshake, then encrypted binary nodes in both directions. Knows nothing of
 * pairing or messaging; it hands the handshake result and every decoded node to its hooks (the simulator's
 * router) and offers send / request / stream-error / drop to them. Also where the per-connection faults
 * live: a silenced connection neither reads nor writes, and the shared slow setting delays every frame it
 * sends while keeping their order. Per-connection state is kept small: no timers unless a fault needs one.
 */
import { decodeBinaryNode, encodeBinaryNode } from '@whiskeysockets/baileys';
import type { KeyPair } from '@whiskeysockets/baileys';
import type { WebSocket } from 'ws';
import { node, type BinaryNode } from './binary-node.ts';
import type { CompanionDevice } from './directory.ts';
import { FrameReader, NoiseHandshake, encodeFrame } from './noise-server.ts';
import type { HandshakeResult, NoiseTransport } from './noise-server.ts';

export type ConnectionPhase = 'handshake' | 'registering' | 'authenticated' | 'closing' | 'closed';

export interface ConnectionHooks {
  onHandshake(connection: SimConnection, result: HandshakeResult): void;
  onNode(connection: SimConnection, node: BinaryNode): Promise<void> | void;
  onClose(connection: SimConnection): void;
  onError(connection: SimConnection, error: unknown): void;
}

export interface ConnectionSettings {
  readonly staticKey: KeyPair;
  readonly certChain: Uint8Array;
  /** Current "slow answers" delay in ms (a shared setting, read per frame). */
  readonly slowMs: () => number;
}

/** How long a client gets to close by itself after a stream error before the server cuts the socket. */
const STREAM_ERROR_GRACE_MS = 2_000;
const SERVER_IQ_TIMEOUT_MS = 20_000;

let nextConnectionId = 1;

interface PendingServerIq {
  readonly resolve: (node: BinaryNode) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class SimConnection {
  readonly id = nextConnectionId++;
  phase: ConnectionPhase = 'handshake';
  /** The client's static noise key, known after the handshake. */
  clientStaticKey: Buffer | undefined;
  /** The companion device this connection logged in as. */
  device: CompanionDevice | undefined;
  /** Set by the silence fault: the connection stops answering anything, pings included. */
  silent = false;

  private readonly reader = new FrameReader();
  private handshake: NoiseHandshake | undefined;
  private transport: NoiseTransport | undefined;
  private inbox: Promise<void> = Promise.resolve();
  private lastSendAt = 0;
  private serverIqs: Map<string, PendingServerIq> | undefined;
  private nextServerIq = 1;

  constructor(
    private readonly ws: WebSocket,
    private readonly hooks: ConnectionHooks,
    private readonly settings: ConnectionSettings,
  ) {
    ws.on('message', (data: Buffer) => this.receive(data));
    ws.on('close', () => this.closed());
    ws.on('error', () => this.ws.terminate());
  }

  get isOpen(): boolean {
    return this.phase !== 'closing' && this.phase !== 'closed';
  }

  /** Encrypts and sends one node (nothing once closing or silenced). */
  send(stanza: BinaryNode): void {
    if (!this.transport || this.phase === 'closed' || this.silent) return;
    this.sendRaw(encodeFrame(this.transport.encrypt(encodeBinaryNode(stanza))));
  }

  /** Sends a server-initiated iq and resolves with the client's answer (its `result` or `error`). */
  request(stanza: BinaryNode): Promise<BinaryNode> {
    const id = stanza.attrs.id ?? `sim-${this.id}-${this.nextServerIq++}`;
    const iqs = (this.serverIqs ??= new Map());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        iqs.delete(id);
        reject(new Error(`no answer to server iq ${stanza.tag}`));
      }, SERVER_IQ_TIMEOUT_MS);
      iqs.set(id, { resolve, reject, timer });
      this.send({ ...stanza, attrs: { ...stanza.attrs, id } });
    });
  }

  /**
   * Sends `<stream:error>` (or a `<failure>`) and expects the client to close; cuts the socket if it does
   * not within a grace period. The connection counts as closing from now on.
   */
  endWith(stanza: BinaryNode): void {
    if (!this.isOpen) return;
    this.send(stanza);
    this.phase = 'closing';
    setTimeout(() => this.ws.terminate(), STREAM_ERROR_GRACE_MS + this.settings.slowMs()).unref();
  }

  /** `<stream:error code=...>` with an optional reason child. */
  streamError(attrs: Record<string, string>, reason?: BinaryNode): void {
    this.endWith(node('stream:error', attrs, reason ? [reason] : undefined));
  }

  /** Drops the TCP connection without a close handshake (the client sees the socket die). */
  drop(): void {
    this.phase = 'closing';
    this.ws.terminate();
  }

  private sendRaw(frame: Buffer): void {
    const delay = this.settings.slowMs();
    if (delay <= 0 && this.lastSendAt <= Date.now()) {
      this.ws.send(frame);
      return;
    }
    // Later frames never overtake earlier ones: the noise counters require in-order delivery.
    const sendAt = Math.max(Date.now() + delay, this.lastSendAt);
    this.lastSendAt = sendAt;
    setTimeout(() => {
      if (this.phase !== 'closed') this.ws.send(frame);
    }, sendAt - Date.now());
  }

  private receive(data: Buffer): void {
    if (this.silent || this.phase === 'closed') return;
    try {
      for (const frame of this.reader.push(data)) this.receiveFrame(frame);
    } catch (error) {
      this.hooks.onError(this, error);
      this.ws.terminate();
    }
  }

  private receiveFrame(frame: Buffer): void {
    if (this.transport) {
      // Decrypt now (counters are positional); decode and handle in arrival order.
      const plaintext = this.transport.decrypt(frame);
      this.inbox = this.inbox.then(() => this.handle(plaintext));
      return;
    }
    if (!this.handshake) {
      this.handshake = new NoiseHandshake(this.settings.staticKey, this.settings.certChain);
      this.sendRaw(encodeFrame(this.handshake.serverHello(frame)));
      return;
    }
    const result = this.handshake.clientFinish(frame);
    this.handshake = undefined;
    this.transport = result.transport;
    this.clientStaticKey = result.clientStaticKey;
    this.hooks.onHandshake(this, result);
  }

  private async handle(plaintext: Buffer): Promise<void> {
    if (this.silent || this.phase === 'closed') return;
    try {
      const stanza = await decodeBinaryNode(plaintext);
      if (this.answersServerIq(stanza)) return;
      await this.hooks.onNode(this, stanza);
    } catch (error) {
      this.hooks.onError(this, error);
    }
  }

  private answersServerIq(stanza: BinaryNode): boolean {
    const id = stanza.attrs.id;
    if (stanza.tag !== 'iq' || !id || (stanza.attrs.type !== 'result' && stanza.attrs.type !== 'error')) return false;
    const pending = this.serverIqs?.get(id);
    if (!pending) return false;
    this.serverIqs?.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(stanza);
    return true;
  }

  private closed(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    for (const pending of this.serverIqs?.values() ?? []) {
      clearTimeout(pending.timer);
      pending.reject(new Error('connection closed before answering'));
    }
    this.serverIqs = undefined;
    this.hooks.onClose(this);
  }
}
