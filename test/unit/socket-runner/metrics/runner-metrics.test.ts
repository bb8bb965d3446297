import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionStatuses, type SessionStatus } from '../../../../core/domain/session.ts';
import { RunnerMetrics } from '../../../../socket-runner/metrics/runner-metrics.ts';
import { fakeClock } from '../session/fakes.ts';

function metricsWith(lines: string[], counts: Partial<Record<SessionStatus, number>> = {}) {
  const byStatus = Object.fromEntries(sessionStatuses.map((s) => [s, counts[s] ?? 0])) as Record<SessionStatus, number>;
  const size = Object.values(byStatus).reduce((a, b) => a + b, 0);
  return new RunnerMetrics({
    sources: { host: { statusCounts: () => byStatus, size: () => size, stuckDisconnected: () => 1 }, rss: () => 400_000_000 },
    clock: fakeClock,
    runnerId: 'runner-1',
    write: (line) => lines.push(line),
  });
}

describe('RunnerMetrics', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('writes a valid EMF document in namespace WaFleet with the service dimension only', () => {
    const lines: string[] = [];
    const metrics = metricsWith(lines, { open: 3, reconnecting: 1 });
    metrics.commandOutcome('sent', 'send_message');
    metrics.commandOutcome('sent', 'send_message');
    metrics.commandOutcome('left_for_redrive', 'unknown');
    metrics.sendLatency(120);
    metrics.queueLag(35);
    metrics.reconnect('connection_lost');
    metrics.emit();

    const doc = JSON.parse(lines[0]!);
    const directive = doc._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('WaFleet');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(doc.service).toBe('socket-runner');
    expect(doc._aws.Timestamp).toBe(1_000_000);
    for (const { Name } of directive.Metrics) expect(doc).toHaveProperty(Name);
    expect(doc).toMatchObject({
      SessionsPerRunner: 4,
      SessionsStuckDisconnected: 1,
      SessionsOpen: 3,
      SessionsReconnecting: 1,
      SessionsNeedsPairing: 0,
      MemoryPerSession: 100_000_000,
      Reconnects: 1,
      CommandsSent: 2,
      CommandsLeftForRedrive: 1,
      SendLatency: [120],
      CommandQueueLag: [35],
    });
  });

  it('resets counters and samples after each emit, but keeps publishing gauges', () => {
    const lines: string[] = [];
    const metrics = metricsWith(lines);
    metrics.commandOutcome('failed', 'send_message');
    metrics.emit();
    metrics.emit();
    const second = JSON.parse(lines[1]!);
    expect(second.CommandsFailed).toBeUndefined();
    expect(second.SessionsPerRunner).toBe(0);
    expect(second.Reconnects).toBe(0);
  });

  it('keeps at most 100 samples per distribution', () => {
    const lines: string[] = [];
    const metrics = metricsWith(lines);
    for (let i = 0; i < 10_000; i++) metrics.sendLatency(i);
    metrics.emit();
    const samples: number[] = JSON.parse(lines[0]!).SendLatency;
    expect(samples).toHaveLength(100);
    expect(Math.max(...samples)).toBeGreaterThan(1_000);
  });

  it('emits every interval once started, and a last time on stop', () => {
    const lines: string[] = [];
    const metrics = metricsWith(lines);
    metrics.start();
    vi.advanceTimersByTime(180_000);
    expect(lines).toHaveLength(3);
    metrics.stop();
    expect(lines).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });
});
