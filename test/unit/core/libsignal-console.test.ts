import { describe, expect, it, vi } from 'vitest';
import { muteLibsignalSessionDumps } from '../../../core/libsignal-console.ts';

function fakeConsole() {
  const printed = vi.fn();
  return { printed, target: { info: (...args: unknown[]) => printed(...args), warn: printed, log: printed } };
}

describe('muteLibsignalSessionDumps', () => {
  it('drops a session dump and lets an ordinary line through', () => {
    const { printed, target } = fakeConsole();
    muteLibsignalSessionDumps(target);

    target.info('Closing session:', { indexInfo: { baseKey: Buffer.from('private key material') } });
    target.warn('Session already closed', {});
    target.info('simulator listening', { port: 3100 });

    expect(printed.mock.calls).toEqual([['simulator listening', { port: 3100 }]]);
  });

  it('filters once however often it is installed', () => {
    const { printed, target } = fakeConsole();
    muteLibsignalSessionDumps(target);
    const installed = target.info;
    muteLibsignalSessionDumps(target);
    expect(target.info).toBe(installed);
    target.info('ready');
    expect(printed).toHaveBeenCalledOnce();
  });
});
