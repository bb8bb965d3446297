/**
 * `WaSimulator`: a local WhatsApp multi-device server that the real, unmodified Baileys client pairs with,
 * logs into, sends through and receives from (point Baileys' `waWebSocketUrl` at `url`, and install
 * `rootPublicKey` as its trust anchor, see trust-anchor.ts). One HTTP server carries both the WebSocket
 * endpoint (`/ws/chat`) and the JSON control API (`/sim/...`, control-http.ts). This file wires the parts
 * together and is the in-process control surface for tests.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Curve, type KeyPair } from '@whiskeysockets/baileys';
import { WebSocketServer } from 'ws';
import { NotFoundError } from '../../core/errors.ts';
import { buildCertChain, generateRootKeyPair } from './certificate-chain.ts';
import { SimConnection } from './connection.ts';
import { createControlHandler } from './control-http.ts';
import { DeviceHub, type DeviceEvent, type DeviceState, type DeviceStats } from './device-hub.ts';
import { Directory, phoneDigits, type ReceivedMessage } from './directory.ts';
import { Faults } from './faults.ts';
import { Messaging, type InboundResult, type ReceiptSettings } from './messaging.ts';
import { StatePersistence } from './persistence.ts';
import { Registration, type PairedDevice } from './registration.ts';
import { Router, type SimLogger } from './router.ts';

export const WS_PATH = '/ws/chat';

export interface WaSimulatorOptions {
  readonly logger?: SimLogger;
  /** Contact receipts; defaults: delivered after 50 ms, no read receipt. */
  readonly receipts?: Partial<ReceiptSettings>;
  /** Issuer serial of the intermediate certificate; only tests change it (Baileys refuses anything but 0). */
  readonly issuerSerial?: number;
}

export interface StartOptions {
  /** 0 = any free port. */
  readonly port?: number;
  /** Defaults to 127.0.0.1. */
  readonly host?: string;
  /** Directory for the persistent state file; omitted = in memory only. */
  readonly stateDir?: string;
}

export interface SimulatorStats {
  readonly connections: { readonly open: number; readonly registering: number; readonly authenticated: number };
  readonly totals: { readonly pairings: number; readonly logins: number; readonly overlaps: number };
  readonly devices: DeviceStats[];
}

export interface SimulatorEvents {
  device: [DeviceEvent];
  received: [{ contact: string; message: ReceivedMessage }];
  receipt: [{ id: string; device: string; type: string }];
}

const SILENT: SimLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export class WaSimulator extends EventEmitter<SimulatorEvents> {
  private readonly logger: SimLogger;
  private readonly connections = new Set<SimConnection>();
  private readonly receiptSettings: ReceiptSettings;
  private readonly directory = new Directory(() => this.changed());
  private readonly hub = new DeviceHub((event) => this.emit('device', event));
  private readonly faults = new Faults({ directory: this.directory, hub: this.hub, changed: () => this.changed() });
  private readonly registration = new Registration({ directory: this.directory, onPaired: () => this.paired() });
  private readonly messaging: Messaging;
  private persistence: StatePersistence | undefined;
  private rootKey: KeyPair | undefined;
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private pairings = 0;
  private address: { host: string; port: number } | undefined;
  private used = false;
  private chain: Uint8Array | undefined;
  private staticPublicKey: Buffer | undefined;

  constructor(private readonly options: WaSimulatorOptions = {}) {
    super();
    this.logger = options.logger ?? SILENT;
    this.receiptSettings = { deliveredMs: 50, readMs: undefined, ...options.receipts };
    this.messaging = new Messaging({
      directory: this.directory,
      hub: this.hub,
      receipts: this.receiptSettings,
      onReceived: (contact, message) => this.emit('received', { contact, message }),
      onReceipt: (event) => this.emit('receipt', event),
      onError: (event, error) => this.logger.warn(event, { error: (error as Error)?.message }),
    });
  }

  async start(options: StartOptions = {}): Promise<this> {
    if (this.used) throw new Error('a simulator instance starts once; make a new one (same stateDir) to restart');
    this.used = true;
    const host = options.host ?? '127.0.0.1';
    if (options.stateDir) {
      this.persistence = new StatePersistence(
        options.stateDir,
        () => ({ rootKey: this.rootPublicPair(), directory: this.directory.toJSON() }),
        (error) => this.logger.error('state.save_failed', { error: (error as Error).message }),
      );
      const saved = this.persistence.load();
      if (saved?.directory) this.directory.load(saved.directory);
      this.rootKey = saved?.rootKey;
    }
    this.rootKey ??= generateRootKeyPair();
    const staticKey = Curve.generateKeyPair();
    this.chain = buildCertChain(this.rootKey, staticKey.public, { issuerSerial: this.options.issuerSerial });
    this.staticPublicKey = Buffer.from(staticKey.public);
    const settings = { staticKey, certChain: this.chain, slowMs: () => this.faults.slowMs };
    const router = new Router({
      directory: this.directory,
      hub: this.hub,
      registration: this.registration,
      messaging: this.messaging,
      logger: this.logger,
      connections: this.connections,
      changed: () => this.changed(),
      removeDevice: (device) => this.faults.remove(device),
    });
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 16 * 1024 * 1024 });
    const server = createServer(createControlHandler(this, this.logger));
    server.on('upgrade', (request, socket, head) => {
      if (new URL(request.url ?? '/', 'http://sim').pathname !== WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => this.connections.add(new SimConnection(ws, router, settings)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
    this.server = server;
    this.wss = wss;
    this.address = { host, port: (server.address() as AddressInfo).port };
    this.persistence?.changed();
    this.logger.info('simulator.started', { url: this.url, devices: this.directory.devices().length });
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const connection of this.connections) connection.drop();
    this.connections.clear();
    this.wss?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.persistence?.flush();
    this.persistence = undefined;
  }

  /** WebSocket URL for Baileys' `waWebSocketUrl`. */
  get url(): string {
    return `ws://${this.hostPort()}${WS_PATH}`;
  }

  /** Base URL of the HTTP control API (`/sim/...`). */
  get controlUrl(): string {
    return `http://${this.hostPort()}`;
  }

  get port(): number {
    return this.requireStarted().port;
  }

  /** The root of the simulator's certificate chain: the trust anchor Baileys must be given. */
  get rootPublicKey(): Buffer {
    if (!this.rootKey) throw new Error('simulator not started');
    return Buffer.from(this.rootKey.public);
  }

  /** The encoded certificate chain this simulator presents, and the leaf key it must certify (for tests). */
  get certificate(): { chain: Uint8Array; leafKey: Buffer } {
    if (!this.chain || !this.staticPublicKey) throw new Error('simulator not started');
    return { chain: this.chain, leafKey: Buffer.from(this.staticPublicKey) };
  }

  scan(qr: string, phoneNumber: string): Promise<PairedDevice> {
    return this.registration.scan(qr, phoneNumber);
  }

  enterPairingCode(phoneNumber: string, code: string): Promise<PairedDevice> {
    return this.registration.enterCode(phoneNumber, code);
  }

  /** Contact `from` writes `text` to account `to` (every paired device; queued while offline). */
  inbound(from: string, to: string, text: string): Promise<InboundResult> {
    return this.messaging.inbound(from, to, text);
  }

  /** What the contact has decrypted from messages sent to it, oldest first. */
  received(contact: string): ReceivedMessage[] {
    const number = phoneDigits(contact);
    return number ? [...(this.directory.existing(number)?.received ?? [])] : [];
  }

  /** Marks numbers as not on WhatsApp (or back on): contact checks answer accordingly. */
  setOnWhatsApp(numbers: readonly string[], onWhatsApp: boolean): void {
    this.directory.setOnWhatsApp(numbers.map((number) => phoneDigits(number) ?? number), onWhatsApp);
  }

  setReceipts(settings: Partial<ReceiptSettings>): void {
    Object.assign(this.receiptSettings, settings);
  }

  logout(target: string): number {
    return this.faults.logout(target);
  }

  conflict(target: string): number {
    return this.faults.conflict(target);
  }

  drop(target: string): number {
    return this.faults.drop(target);
  }

  silence(target: string): number {
    return this.faults.silence(target);
  }

  setSlow(ms: number): void {
    this.faults.setSlow(ms);
  }

  stats(): SimulatorStats {
    const devices = this.hub.stats(this.directory.devices());
    return {
      connections: this.connectionCounts(),
      totals: {
        pairings: this.pairings,
        logins: devices.reduce((sum, d) => sum + d.logins, 0),
        overlaps: devices.reduce((sum, d) => sum + d.overlaps, 0),
      },
      devices,
    };
  }

  /** Open connections by phase (cheaper than stats(): no per-device work). */
  connectionCounts(): SimulatorStats['connections'] {
    let registering = 0;
    let authenticated = 0;
    for (const connection of this.connections) {
      if (connection.phase === 'registering') registering++;
      if (connection.phase === 'authenticated' && connection.isOpen) authenticated++;
    }
    return { open: this.connections.size, registering, authenticated };
  }

  /** Resolves once a device of `phone` (or `phone:device`) is in `state`; rejects after `timeoutMs`. */
  async waitForDevice(target: string, state: DeviceState, timeoutMs = 10_000): Promise<DeviceEvent> {
    const [number, device] = target.split(':');
    const digits = phoneDigits(number ?? '');
    if (!digits) throw new NotFoundError('phone');
    const matches = (event: DeviceEvent) => event.phone === digits && (device === undefined || event.deviceId === Number(device)) && event.state === state;
    const current = this.hub.stats(this.directory.devices()).find((d) => matches(d));
    if (current) return { phone: current.phone, deviceId: current.deviceId, jid: current.jid, state: current.state };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('device', listener);
        reject(new Error(`device ${target.slice(-3)} did not reach ${state} within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (event: DeviceEvent) => {
        if (!matches(event)) return;
        clearTimeout(timer);
        this.off('device', listener);
        resolve(event);
      };
      this.on('device', listener);
    });
  }

  private paired(): void {
    this.pairings++;
    this.changed();
  }

  private changed(): void {
    this.persistence?.changed();
  }

  private rootPublicPair(): KeyPair {
    if (!this.rootKey) throw new Error('simulator not started');
    return this.rootKey;
  }

  private hostPort(): string {
    const { host, port } = this.requireStarted();
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  private requireStarted(): { host: string; port: number } {
    if (!this.address) throw new Error('simulator not started');
    return this.address;
  }
}
