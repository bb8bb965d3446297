import { describe, expect, it, vi } from 'vitest';
import type { ConnectionListener } from '../../../../socket-runner/whatsapp/whatsapp-connection.ts';
import { ConnectionAttempts } from '../../../../socket-runner/session/connection-attempts.ts';
import { FakeAuth, FakeConnector, silentLogger } from './fakes.ts';

function attempts() {
  const connector = new FakeConnector();
  const state = { live: true };
  const seen: string[] = [];
  const listener: ConnectionListener = {
    onQr: (qr) => seen.push(`qr:${qr}`),
    onOpen: () => seen.push('open'),
    onClose: (closed) => seen.push(`close:${closed.code}`),
    onCredsUpdate: () => seen.push('creds'),
    onMessage: () => seen.push('message'),
    onReceipt: () => seen.push('receipt'),
  };
  const socket = new ConnectionAttempts({ connect: connector.factory, logger: silentLogger, live: () => state.live });
  return { socket, connector, state, seen, open: () => socket.open(new FakeAuth(), listener) };
}

describe('ConnectionAttempts', () => {
  it('passes on what the current attempt reports', () => {
    const { connector, seen, open, socket } = attempts();
    open();
    connector.last.qr('a');
    connector.last.listener.onCredsUpdate();
    connector.last.open();
    expect(seen).toEqual(['qr:a', 'creds', 'open']);
    expect(socket.current).toBe(connector.last);
  });

  it('ends a dropped socket and ignores what it reports afterwards, also once a new attempt runs', () => {
    const { connector, seen, open, socket } = attempts();
    open();
    const dropped = connector.last;
    socket.drop();
    expect(dropped.ended).toBe(true);
    expect(socket.current).toBeUndefined();
    dropped.close(500);
    open();
    dropped.qr('stale');
    connector.last.qr('fresh');
    expect(seen).toEqual(['qr:fresh']);
  });

  it('forgets a socket that closed by itself without ending it', () => {
    const { connector, seen, open, socket } = attempts();
    open();
    connector.last.close(515);
    socket.closed();
    expect(socket.current).toBeUndefined();
    expect(connector.last.ended).toBe(false);
    expect(seen).toEqual(['close:515']);
  });

  it('passes nothing on once the actor is no longer live', () => {
    const { connector, seen, open, state } = attempts();
    open();
    state.live = false;
    connector.last.open();
    expect(seen).toEqual([]);
  });

  it('waits for a graceful end of the socket', async () => {
    const { connector, open, socket } = attempts();
    open();
    let finish!: () => void;
    const end = vi.spyOn(connector.last, 'end').mockReturnValue(new Promise<void>((resolve) => (finish = resolve)));
    let ended = false;
    const ending = socket.end().then(() => (ended = true));
    await Promise.resolve();
    expect(end).toHaveBeenCalledOnce();
    expect(ended).toBe(false);
    finish();
    await ending;
    expect(ended).toBe(true);
  });
});
