import { describe, expect, it } from 'vitest';
import { shutdownSignalHandler } from '../../../local/shutdown-signal.ts';

describe('shutdownSignalHandler', () => {
  const setup = () => {
    let now = 0;
    const calls: string[] = [];
    const handle = shutdownSignalHandler({ stop: (s) => calls.push(`stop ${s}`), force: (s) => calls.push(`force ${s}`), now: () => now });
    return { handle, calls, advance: (ms: number) => (now += ms) };
  };

  it('stops gracefully once for a Ctrl-C delivered twice (terminal and npm) in quick succession', () => {
    const { handle, calls, advance } = setup();
    handle('SIGINT');
    advance(5);
    handle('SIGINT');
    expect(calls).toEqual(['stop SIGINT']);
  });

  it('forces the exit on a second signal a moment later', () => {
    const { handle, calls, advance } = setup();
    handle('SIGTERM');
    advance(1_000);
    handle('SIGINT');
    expect(calls).toEqual(['stop SIGTERM', 'force SIGINT']);
  });
});
