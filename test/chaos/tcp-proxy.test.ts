// The TCP proxy that cuts a runner from WhatsApp: open passes bytes, reset cuts at once, blackhole goes
// silent (bytes vanish) and leaving it cuts the stalled connections.
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpProxy } from '../../chaos/tcp-proxy.ts';

let echo: Server;
let proxy: TcpProxy;

beforeAll(async () => {
  echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', () => resolve()));
  proxy = await TcpProxy.start(`ws://127.0.0.1:${(echo.address() as AddressInfo).port}/ws/chat`);
});

afterAll(async () => {
  await proxy.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

function dial(): Promise<Socket> {
  const socket = connect(proxy.port, '127.0.0.1');
  return once(socket, 'connect').then(() => socket);
}

async function roundTrip(socket: Socket, text: string, timeoutMs = 500): Promise<string | undefined> {
  socket.write(text);
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), timeoutMs));
  return Promise.race([once(socket, 'data').then(([data]) => String(data)), timeout]);
}

describe('TCP proxy', () => {
  it('rewrites a simulator URL to its own port', () => {
    expect(proxy.rewrite('ws://127.0.0.1:1/ws/chat')).toBe(`ws://127.0.0.1:${proxy.port}/ws/chat`);
  });

  it('passes bytes both ways when open', async () => {
    const socket = await dial();
    expect(await roundTrip(socket, 'hello')).toBe('hello');
    socket.destroy();
  });

  it('reset cuts live connections at once and new ones as they come', async () => {
    const socket = await dial();
    const closed = once(socket, 'close');
    proxy.setMode('reset');
    await closed;
    const next = connect(proxy.port, '127.0.0.1');
    await once(next, 'close');
    proxy.setMode('open');
  });

  it('blackhole swallows bytes without closing; leaving it cuts the stalled connection', async () => {
    const socket = await dial();
    socket.on('error', () => undefined);
    proxy.setMode('blackhole');
    expect(await roundTrip(socket, 'lost', 300)).toBeUndefined();
    expect(socket.destroyed).toBe(false);
    const closed = once(socket, 'close');
    proxy.setMode('open');
    await closed;
    const fresh = await dial();
    expect(await roundTrip(fresh, 'back')).toBe('back');
    fresh.destroy();
  });
});
