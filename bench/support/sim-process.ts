/**
 * The WhatsApp simulator in a process of its own (child entry, spawned by sim-handle.ts), so its memory
 * and CPU stay out of the figures of the process under measurement. Serves the simulator's controls over
 * IPC and streams what the benchmarks time: device state changes and messages the contacts received, each
 * stamped with this machine's wall clock at sub-millisecond precision. Keeps its own complete log of
 * received message ids (the simulator keeps the last 500 per contact), for the at-most-once check.
 */
import { muteLibsignalSessionDumps } from '../../core/libsignal-console.ts';
import { WaSimulator } from '../../local/wa-simulator/simulator.ts';
import { emitEvent, preciseNow, serveRpc } from './child-rpc.ts';

muteLibsignalSessionDumps();

const stateDir = process.env.BENCH_SIM_STATE_DIR || undefined;
const deliveredMs = process.env.BENCH_SIM_DELIVERED_MS === 'never' ? undefined : Number(process.env.BENCH_SIM_DELIVERED_MS ?? 50);
const sim = new WaSimulator({ receipts: { deliveredMs, readMs: undefined } });
await sim.start({ port: Number(process.env.BENCH_SIM_PORT ?? 0), stateDir });

/** Every message a contact decrypted: id -> how many times, and when first. */
const received = new Map<string, { count: number; firstAt: number; contact: string }>();
let streamDevices = process.env.BENCH_SIM_STREAM_DEVICES !== 'false';

sim.on('received', ({ contact, message }) => {
  const at = preciseNow();
  const seen = received.get(message.id);
  if (seen) seen.count += 1;
  else received.set(message.id, { count: 1, firstAt: at, contact });
  emitEvent('received', { id: message.id, contact, at });
});
sim.on('device', (event) => {
  if (streamDevices) emitEvent('device', { ...event, at: preciseNow() });
});

serveRpc({
  info: () => ({ url: sim.url, controlUrl: sim.controlUrl, rootPublicKey: sim.rootPublicKey.toString('base64') }),
  stats: () => sim.stats(),
  /** Totals only: cheap to ship for a thousand devices. */
  totals: () => {
    const stats = sim.stats();
    let online = 0;
    let maxLive = 0;
    const overlapping: string[] = [];
    for (const device of stats.devices) {
      if (device.state === 'online') online++;
      maxLive = Math.max(maxLive, device.maxLive);
      if (device.overlaps > 0) overlapping.push(`${device.phone}:${device.deviceId}`);
    }
    return { ...stats.totals, connections: stats.connections, devices: stats.devices.length, online, maxLive, overlapping };
  },
  online: ({ phones }: { phones: string[] }) => {
    const wanted = new Set(phones);
    return sim
      .stats()
      .devices.filter((d) => wanted.has(d.phone) && d.state === 'online')
      .map((d) => d.phone);
  },
  scan: ({ qr, phoneNumber }: { qr: string; phoneNumber: string }) => sim.scan(qr, phoneNumber),
  inbound: ({ from, to, text }: { from: string; to: string; text: string }) => sim.inbound(from, to, text),
  slow: ({ ms }: { ms: number }) => sim.setSlow(ms),
  receipts: ({ deliveredMs: delivered }: { deliveredMs: number | null }) => sim.setReceipts({ deliveredMs: delivered ?? undefined }),
  fault: ({ kind, target }: { kind: 'logout' | 'conflict' | 'drop' | 'silence'; target: string }) => sim[kind](target),
  streamDevices: ({ on }: { on: boolean }) => {
    streamDevices = on;
  },
  /** Ids received more than once, and the total count. */
  receivedSummary: () => {
    const duplicates = [...received.entries()].filter(([, v]) => v.count > 1).map(([id, v]) => ({ id, count: v.count }));
    return { total: received.size, duplicates };
  },
  receivedIds: () => [...received.keys()],
  memory: () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return { ...process.memoryUsage() };
  },
  stop: async () => {
    await sim.stop();
    setImmediate(() => process.exit(0));
  },
});

emitEvent('ready', { url: sim.url, controlUrl: sim.controlUrl, rootPublicKey: sim.rootPublicKey.toString('base64') });
