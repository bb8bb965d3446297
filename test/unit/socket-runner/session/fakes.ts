// Fakes for hosting tests: an in-memory session store with epoch fencing, auth states, an owned session
// with its abort signal, a scriptable WhatsApp connection and an event collector.
import type { Clock } from '../../../../core/clock.ts';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import type { MessageContent } from '../../../../core/domain/message.ts';
import { DEFAULT_PACING, type SessionRecord } from '../../../../core/domain/session.ts';
import { ConditionFailedError, NotFoundError } from '../../../../core/errors.ts';
import type { EventPublisher } from '../../../../core/events/event-publisher.ts';
import { createLogger } from '../../../../core/logger.ts';
import type { OwnerPatch } from '../../../../core/sessions/session-repository.ts';
import type { OwnedSession, SessionAuthState } from '../../../../socket-runner/contracts.ts';
import type { AuthStates } from '../../../../socket-runner/session/actor-config.ts';
import type { SessionStore } from '../../../../socket-runner/session/status-reporter.ts';
import type {
  ConnectionFactory,
  ConnectionListener,
  ContactCheck,
  SendOptions,
  WhatsAppConnection,
} from '../../../../socket-runner/whatsapp/whatsapp-connection.ts';

export const silentLogger = createLogger('test');

/** A clock on the (fake) timers' Date.now, monotonic included. */
export const fakeClock: Clock = { now: () => Date.now(), monotonic: () => Date.now() };

export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = new Date(Date.now() - 1000).toISOString();
  return {
    tenantId: 'tenant-a',
    sessionId: 'session-1',
    status: 'created',
    desiredState: 'running',
    pacing: DEFAULT_PACING,
    createdAt: now,
    updatedAt: now,
    statusChangedAt: now,
    desiredStateChangedAt: now,
    ...overrides,
  };
}

export class FakeSessionStore implements SessionStore {
  readonly records = new Map<string, SessionRecord & { epoch?: number }>();
  readonly writes: OwnerPatch[] = [];
  purged: string[] = [];
  private held: Promise<void> | undefined;

  put(record: SessionRecord): void {
    this.records.set(`${record.tenantId}#${record.sessionId}`, record);
  }

  record(tenantId = 'tenant-a', sessionId = 'session-1'): SessionRecord | undefined {
    return this.records.get(`${tenantId}#${sessionId}`);
  }

  async get(tenantId: string, sessionId: string): Promise<SessionRecord | undefined> {
    const record = this.records.get(`${tenantId}#${sessionId}`);
    await this.held;
    return record;
  }

  /**
   * Keeps every read from now on in flight, answering what the store held when it was asked, until the
   * returned function lets them through: something else happens while a read is pending.
   */
  holdReads(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return () => {
      this.held = undefined;
      release();
    };
  }

  async updateFromOwner(tenantId: string, sessionId: string, epoch: number, patch: OwnerPatch): Promise<SessionRecord> {
    const key = `${tenantId}#${sessionId}`;
    const current = this.records.get(key);
    if (!current) throw new NotFoundError('Session');
    if (current.epoch !== undefined && current.epoch > epoch) throw new ConditionFailedError('fenced');
    this.writes.push(patch);
    const now = new Date().toISOString();
    const next: Record<string, unknown> = { ...current, epoch, updatedAt: now };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete next[k];
      else if (v !== undefined) next[k] = v;
    }
    if (patch.status) next.statusChangedAt = now;
    this.records.set(key, next as unknown as SessionRecord);
    return next as unknown as SessionRecord;
  }

  async purge(tenantId: string, sessionId: string): Promise<void> {
    this.records.delete(`${tenantId}#${sessionId}`);
    this.purged.push(sessionId);
  }

  statuses(): (string | undefined)[] {
    return this.writes.filter((w) => w.status).map((w) => w.status);
  }
}

export class FakeAuth implements SessionAuthState {
  readonly state = {} as SessionAuthState['state'];
  saves = 0;
  flushes = 0;
  backups = 0;
  constructor(public registered = true) {}
  async saveCreds() {
    this.saves++;
  }
  hasCredentials() {
    return this.registered;
  }
  async flush() {
    this.flushes++;
  }
  async backup() {
    this.backups++;
  }
}

export class FakeAuthStates implements AuthStates {
  opened = 0;
  purges: string[] = [];
  failNext?: Error;
  constructor(public registered = true) {}
  current = new FakeAuth(true);
  async open(): Promise<SessionAuthState> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    this.opened++;
    this.current = new FakeAuth(this.registered);
    return this.current;
  }
  async purge(_tenantId: string, sessionId: string) {
    this.purges.push(sessionId);
    this.registered = false;
  }
}

export function ownedSession(overrides: Partial<OwnedSession> = {}): OwnedSession & { abort(): void; valid: boolean } {
  const controller = new AbortController();
  const owned: OwnedSession & { abort(): void; valid: boolean } = {
    tenantId: 'tenant-a',
    sessionId: 'session-1',
    slot: 0,
    epoch: 1,
    lost: controller.signal,
    valid: true,
    isValid: (): boolean => owned.valid && !controller.signal.aborted,
    abort: () => controller.abort(),
    ...overrides,
  };
  return owned;
}

export class CollectingPublisher implements EventPublisher {
  readonly events: AnyEvent[] = [];
  async publish(events: readonly AnyEvent[]) {
    this.events.push(...events);
  }
  types(): string[] {
    return this.events.map((e) => e.type);
  }
  ofType<T extends AnyEvent['type']>(type: T): Extract<AnyEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<AnyEvent, { type: T }>[];
  }
}

export interface SentMessage {
  readonly jid: string;
  readonly content: MessageContent;
  readonly options: SendOptions;
}

/** A connection the test drives: `qr()`, `open()`, `close(code)`; records what was asked of it. */
export class FakeConnection implements WhatsAppConnection {
  ended = false;
  closed = false;
  loggedOut = false;
  readonly sent: SentMessage[] = [];
  sendImpl: (jid: string, content: MessageContent, options: SendOptions) => Promise<void> = async () => {};
  contacts: ContactCheck[] = [];
  pairingCode = 'ABCD1234';

  constructor(readonly listener: ConnectionListener) {}

  qr(value = 'ref,noise,identity,adv,platform') {
    this.listener.onQr(value);
  }
  open(phoneNumber = '4915112345678', newLogin = false) {
    this.listener.onOpen({ phoneNumber, newLogin });
  }
  close(code: number, message = 'closed', qrExpired = false) {
    this.closed = true;
    this.listener.onClose({ code, message, qrExpired });
  }

  async sendMessage(jid: string, content: MessageContent, options: SendOptions) {
    await this.sendImpl(jid, content, options);
    this.sent.push({ jid, content, options });
  }
  async checkContacts(phoneNumbers: readonly string[]) {
    return phoneNumbers.map((p) => this.contacts.find((c) => c.phoneNumber === p) ?? { phoneNumber: p, exists: false });
  }
  async requestPairingCode() {
    return this.pairingCode;
  }
  async logout() {
    this.loggedOut = true;
    queueMicrotask(() => this.listener.onClose({ code: 401, message: 'Intentional Logout', qrExpired: false }));
  }
  async end() {
    this.ended = true;
  }
}

export class FakeConnector {
  readonly connections: FakeConnection[] = [];
  /** Thrown by the factory instead of making a connection, while set. */
  failWith: Error | undefined;
  readonly factory: ConnectionFactory = ({ listener }) => {
    if (this.failWith) throw this.failWith;
    const connection = new FakeConnection(listener);
    this.connections.push(connection);
    return connection;
  };
  get last(): FakeConnection {
    const last = this.connections.at(-1);
    if (!last) throw new Error('no connection was made');
    return last;
  }
}

/** Lets queued promise callbacks run (fake timers do not advance microtasks by themselves). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
