import * as asyncHooks from 'node:async_hooks';
import type * as Baileys from '@whiskeysockets/baileys';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { baileysConnectionFactory } from '../../../../socket-runner/whatsapp/baileys-connection.ts';
import { KeyedAsyncLocalStorage } from '../../../../socket-runner/whatsapp/shared-async-context.ts';
import type { ConnectionListener } from '../../../../socket-runner/whatsapp/whatsapp-connection.ts';
import { FakeAuth, silentLogger } from '../session/fakes.ts';

/** What makeWASocket saw when it was called: the AsyncLocalStorage class Baileys would instantiate. */
const seenAtCreation: unknown[] = [];

vi.mock('@whiskeysockets/baileys', async (importOriginal) => ({
  ...(await importOriginal<typeof Baileys>()),
  makeWASocket: () => {
    seenAtCreation.push(asyncHooks.AsyncLocalStorage);
    return { ev: { on: () => {}, off: () => {} }, end: async () => {} };
  },
}));

const listener: ConnectionListener = { onQr() {}, onOpen() {}, onClose() {}, onCredsUpdate() {}, onMessage() {}, onReceipt() {} };

describe('Baileys connection', () => {
  beforeEach(() => {
    seenAtCreation.length = 0;
  });

  it('creates each socket with the shared async context, and leaves the real one in place afterwards', async () => {
    const connect = baileysConnectionFactory({ waWebSocketUrl: 'ws://127.0.0.1:9' });

    const connections = [1, 2].map(() => connect({ auth: new FakeAuth(), listener, logger: silentLogger }));

    expect(seenAtCreation).toEqual([KeyedAsyncLocalStorage, KeyedAsyncLocalStorage]);
    expect(asyncHooks.AsyncLocalStorage).not.toBe(KeyedAsyncLocalStorage);
    await Promise.all(connections.map((connection) => connection.end()));
  });
});
