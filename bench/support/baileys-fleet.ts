/**
 * Parent side of a bare-Baileys process (baileys-worker.ts): pair devices into the credentials fixture,
 * or hold idle sockets for the baseline and read the process's memory.
 */
import { fileURLToPath } from 'node:url';
import { spawnChild, type ChildHandle } from './child-rpc.ts';
import type { SimProcess } from './sim-handle.ts';

const ENTRY = fileURLToPath(new URL('./baileys-worker.ts', import.meta.url));

export class BaileysFleet {
  private constructor(readonly handle: ChildHandle) {}

  static start(sim: SimProcess): BaileysFleet {
    return new BaileysFleet(spawnChild('bare-baileys', ENTRY, { nodeArgs: ['--expose-gc'], env: sim.runnerEnv() }));
  }

  pair(phones: readonly string[], dir: string, controlUrl: string, concurrency: number): Promise<{ paired: number; failed: string[] }> {
    return this.handle.call('pair', { phones, dir, controlUrl, concurrency }, 60 * 60_000);
  }

  hold(phones: readonly string[], dir: string, concurrency: number): Promise<{ held: number; failed: string[]; seconds: number }> {
    return this.handle.call('hold', { phones, dir, concurrency }, 60 * 60_000);
  }

  memory(settleMs: number): Promise<NodeJS.MemoryUsage & { sockets: number }> {
    return this.handle.call('memory', { settleMs }, settleMs + 60_000);
  }

  rssBytes(): number {
    return this.handle.rssBytes();
  }

  async stop(): Promise<void> {
    await this.handle.call('release', {}, 30_000).catch(() => undefined);
    await this.handle.stop(5_000);
  }
}
