/**
 * The runner's CloudWatch metrics (D9), written to stdout as Embedded Metric Format once a minute (the
 * Fargate log driver ships them; CloudWatch extracts the metrics). Namespace `WaFleet`, one dimension
 * `service` = `socket-runner` (core/metric-names.ts: alarms and autoscaling are defined on these exact
 * names and that one dimension).
 *
 * Gauges, sampled at each emit: SessionsPerRunner (drives autoscaling), SessionsStuckDisconnected,
 * Sessions<Status> for every status, RssBytes, MemoryPerSession (RSS / hosted sessions).
 * Counters over the minute: Reconnects, Commands<Outcome> (sent, failed, expired, duplicate, deferred,
 * interrupted, forwarded, poison, ...). Distributions (at most 100 samples a minute, reservoir-sampled):
 * SendLatency and CommandQueueLag (now - SQS SentTimestamp), in milliseconds.
 *
 * Hand-built EMF rather than Powertools Metrics: a long-running process flushing on its own timer, with
 * bounded sampling, is simpler to get exactly right (and to test) with one JSON line per minute.
 */
import type { Clock } from '../../core/clock.ts';
import { sessionStatuses } from '../../core/domain/session.ts';
import { METRICS_NAMESPACE, SERVICE_DIMENSION, metricServices, runnerMetrics } from '../../core/metric-names.ts';
import type { HostedSessions, HostMetrics } from '../session/session-host.ts';

export interface RunnerMetricsSources {
  readonly host: Pick<HostedSessions, 'statusCounts' | 'size' | 'stuckDisconnected'>;
  readonly rss?: () => number;
}

export interface RunnerMetricsOptions {
  readonly sources: RunnerMetricsSources;
  readonly clock: Clock;
  readonly runnerId: string;
  readonly write?: (line: string) => void;
  readonly intervalMs?: number;
  readonly stuckAfterMs?: number;
  readonly maxSamples?: number;
  readonly random?: () => number;
}

type Unit = 'Count' | 'Milliseconds' | 'Bytes';

export class RunnerMetrics implements HostMetrics {
  private counters = new Map<string, number>();
  private samples = new Map<string, { values: number[]; seen: number }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RunnerMetricsOptions) {}

  commandOutcome(outcome: string, _type: string): void {
    this.count(`Commands${pascal(outcome)}`);
  }

  sendLatency(ms: number): void {
    this.sample('SendLatency', ms);
  }

  queueLag(ms: number): void {
    this.sample('CommandQueueLag', ms);
  }

  reconnect(_reason: string): void {
    this.count('Reconnects');
  }

  /** Emits every interval (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.emit(), this.options.intervalMs ?? 60_000);
    this.timer.unref?.();
  }

  /** Stops the timer and emits what was collected since the last emit. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.emit();
  }

  /** Writes one EMF document with the current gauges and the counters and samples since the last one. */
  emit(): Record<string, unknown> {
    const { host, rss = () => process.memoryUsage().rss } = this.options.sources;
    const hosted = host.size();
    const memory = rss();
    const metrics: [string, Unit, number | number[]][] = [
      [runnerMetrics.sessionsPerRunner, 'Count', hosted],
      [runnerMetrics.sessionsStuckDisconnected, 'Count', host.stuckDisconnected(this.options.stuckAfterMs ?? 5 * 60_000)],
      ['RssBytes', 'Bytes', memory],
      ['MemoryPerSession', 'Bytes', hosted > 0 ? Math.round(memory / hosted) : 0],
    ];
    const counts = host.statusCounts();
    for (const status of sessionStatuses) metrics.push([`Sessions${pascal(status)}`, 'Count', counts[status]]);
    metrics.push(['Reconnects', 'Count', this.counters.get('Reconnects') ?? 0]);
    for (const [name, value] of this.counters) if (name !== 'Reconnects') metrics.push([name, 'Count', value]);
    for (const [name, { values }] of this.samples) if (values.length) metrics.push([name, 'Milliseconds', values]);
    this.counters = new Map();
    this.samples = new Map();

    const document: Record<string, unknown> = {
      _aws: {
        Timestamp: this.options.clock.now(),
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [[SERVICE_DIMENSION]],
            Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })),
          },
        ],
      },
      [SERVICE_DIMENSION]: metricServices.runner,
      runnerId: this.options.runnerId,
    };
    for (const [name, , value] of metrics) document[name] = value;
    (this.options.write ?? ((line: string) => process.stdout.write(`${line}\n`)))(JSON.stringify(document));
    return document;
  }

  private count(name: string): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + 1);
  }

  /** Reservoir sampling: every value has the same chance to be among the (at most) maxSamples kept. */
  private sample(name: string, value: number): void {
    const max = this.options.maxSamples ?? 100;
    let entry = this.samples.get(name);
    if (!entry) this.samples.set(name, (entry = { values: [], seen: 0 }));
    entry.seen += 1;
    if (entry.values.length < max) entry.values.push(value);
    else {
      const slot = Math.floor((this.options.random ?? Math.random)() * entry.seen);
      if (slot < max) entry.values[slot] = value;
    }
  }
}

function pascal(value: string): string {
  return value
    .split(/[_\s-]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
