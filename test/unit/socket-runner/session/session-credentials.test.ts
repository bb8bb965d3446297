import { describe, expect, it, vi } from 'vitest';
import { FencedError } from '../../../../socket-runner/contracts.ts';
import { SessionCredentials } from '../../../../socket-runner/session/session-credentials.ts';
import { FakeAuthStates, ownedSession, settle, silentLogger } from './fakes.ts';

function credentials() {
  const auth = new FakeAuthStates(true);
  const onFenced = vi.fn();
  return { auth, onFenced, credentials: new SessionCredentials({ owned: ownedSession(), auth, logger: silentLogger, onFenced }) };
}

describe('SessionCredentials', () => {
  it('opens the auth state once per ownership', async () => {
    const { auth, credentials: c } = credentials();
    await c.open();
    await c.open();
    expect(auth.opened).toBe(1);
    expect(c.hasCredentials()).toBe(true);
  });

  it('drops the auth state before the purge flushes it, so a late creds update writes nothing', async () => {
    const { auth, credentials: c } = credentials();
    await c.open();
    const state = auth.current;
    let flushed!: () => void;
    state.flush = () => new Promise<void>((resolve) => (flushed = resolve));
    const purging = c.purge();
    c.save();
    flushed();
    await purging;
    expect(state.saves).toBe(0);
    expect(auth.purges).toEqual(['session-1']);
    expect(c.state).toBeUndefined();
  });

  it('tells the actor when a creds save finds a newer owner', async () => {
    const { auth, onFenced, credentials: c } = credentials();
    await c.open();
    auth.current.saveCreds = async () => {
      throw new FencedError('session-1', 1);
    };
    c.save();
    await settle();
    expect(onFenced).toHaveBeenCalledOnce();
  });
});
