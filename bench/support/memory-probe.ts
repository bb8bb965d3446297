/**
 * Preload (`--import`) for processes under measurement (runners): answers a `probe` call over the IPC
 * channel with process memory after an optional full GC (the process runs with `--expose-gc`), the
 * event-loop delay histogram since the last reset (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution)
 * and CPU time. It neither keeps the process alive nor changes its behaviour; if the parent goes away the
 * process gets SIGTERM, as the local stack's runners do.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const ms = (ns: number) => ns / 1e6;

  process.on('message', (message: { kind?: string; id?: number; op?: string; args?: { gc?: boolean; resetDelay?: boolean } }) => {
    if (message?.kind !== 'call' || message.op !== 'probe') return;
    void (async () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (message.args?.gc && gc) {
        for (let i = 0; i < 3; i++) {
          gc();
          await sleep(100);
        }
      }
      const value = {
        memory: process.memoryUsage(),
        eventLoopDelayMs: {
          p50: ms(delay.percentile(50)),
          p99: ms(delay.percentile(99)),
          max: ms(delay.max),
          mean: ms(delay.mean),
          count: delay.count,
        },
        cpu: process.cpuUsage(),
        gcAvailable: Boolean(gc),
      };
      if (message.args?.resetDelay) delay.reset();
      process.send?.({ kind: 'reply', id: message.id, ok: true, value });
    })();
  });
  process.channel?.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
