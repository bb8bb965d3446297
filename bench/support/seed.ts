/**
 * Seeds sessions that were paired before: a session record (runnable) and the session's auth items in
 * the runner's own storage format (socket-runner/auth: packed creds, one item per Signal key), from the
 * credentials fixture. A runner that claims such a session resumes it from stored credentials, exactly
 * as after a restart or a failover, without a QR.
 */
import { readFileSync } from 'node:fs';
import { BufferJSON } from '@whiskeysockets/baileys';
import { systemClock } from '../../core/clock.ts';
import type { Pacing } from '../../core/domain/session.ts';
import { newId } from '../../core/ids.ts';
import { SessionRepository } from '../../core/sessions/session-repository.ts';
import { encodeJson, packBlob } from '../../socket-runner/auth/auth-codec.ts';
import { authPartition, CREDS_SK, keySortKey } from '../../socket-runner/auth/auth-store.ts';
import type { AwsWorld } from './aws-world.ts';
import { fixturePath, type FixtureFile } from './baileys-worker-types.ts';

export interface SeededSession {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly phone: string;
}

export interface SeedOptions {
  readonly tenantId: string;
  readonly phones: readonly string[];
  readonly authDir: string;
  readonly pacing: Pacing;
  /** Write the sessions' records (runnable) too; false = auth only (records made elsewhere). */
  readonly records?: boolean;
  /**
   * `all`: creds and every Signal key (what a session that sends and receives needs); `creds`: the creds
   * item only, for idle sessions: they never read their one-time prekeys, and a runner reads keys from
   * DynamoDB on demand anyway, so this changes seeding time (812 items per session), not the runner.
   */
  readonly keys?: 'all' | 'creds';
  /** Sessions written at once. */
  readonly concurrency?: number;
}

/** Pacing for measurements: no deliberate delay, so what is measured is the system. */
export const UNPACED: Pacing = { perMinute: 120, burst: 60, jitterMs: 0 };

export async function seedSessions(world: AwsWorld, options: SeedOptions): Promise<SeededSession[]> {
  const sessions = new SessionRepository(world.table('sessions'), systemClock);
  const auth = world.table('auth');
  const seeded = options.phones.map((phone) => ({ tenantId: options.tenantId, sessionId: newId(), phone }));
  const concurrency = options.concurrency ?? 8;
  // Credentials first, then the records: a runner sees the whole batch become runnable at once.
  await forEach(seeded, concurrency, (session) => seedAuth(auth, session, options.authDir, options.keys ?? 'all'));
  if (options.records !== false) {
    await forEach(seeded, concurrency, (session) => sessions.create({ tenantId: session.tenantId, sessionId: session.sessionId, pacing: options.pacing }).then(() => undefined));
  }
  return seeded;
}

async function forEach<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

async function seedAuth(auth: ReturnType<AwsWorld['table']>, session: SeededSession, authDir: string, keys: 'all' | 'creds'): Promise<void> {
  const fixture = JSON.parse(readFileSync(fixturePath(authDir, session.phone), 'utf8'), BufferJSON.reviver) as FixtureFile;
  const pk = authPartition(session.tenantId, session.sessionId);
  const items: Record<string, unknown>[] = [{ pk, sk: CREDS_SK, data: packBlob(fixture.creds) }];
  for (const [type, entries] of keys === 'all' ? Object.entries(fixture.keys) : []) {
    for (const [id, value] of Object.entries(entries)) {
      if (value !== null && value !== undefined) items.push({ pk, sk: keySortKey(type, id), data: encodeJson(value) });
    }
  }
  await auth.writeMany(items);
}
