/**
 * The credentials fixture's file format, shared by the worker that writes it and the seeding that reads
 * it: one JSON file per device (Baileys' BufferJSON), `{ creds, keys: { [type]: { [id]: value } } }`.
 */
import { join } from 'node:path';
import type { AuthenticationCreds } from '@whiskeysockets/baileys';

export type KeyData = Record<string, Record<string, unknown>>;

export interface FixtureFile {
  readonly creds: AuthenticationCreds;
  readonly keys: KeyData;
}

export function fixturePath(dir: string, phone: string): string {
  return join(dir, `${phone}.json`);
}
