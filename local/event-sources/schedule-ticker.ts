/**
 * An EventBridge `rate(...)` rule targeting a function in this process (infra: SchedulerTick -> scheduler,
 * every minute, no retries): every `intervalSeconds` it invokes the handler with a `Scheduled Event`. Like
 * the rule, the first tick comes one interval after start. A tick still running when the next is due makes
 * that one skip (in AWS the 55 s function timeout keeps ticks from overlapping); a failed tick is logged and
 * not retried (retryAttempts: 0).
 */
import { randomUUID } from 'node:crypto';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Logger } from '../../core/logger.ts';
import { LOCAL_API } from '../gateway/proxy-event.ts';
import { lambdaContext } from '../lambda-context.ts';

export type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

export interface ScheduleTickerOptions {
  readonly functionName: string;
  readonly handler: ScheduledHandler;
  readonly intervalSeconds: number;
  readonly logger: Logger;
  readonly ruleName?: string;
  /** The function timeout (infra: 55 s). */
  readonly timeoutMs?: number;
}

export class ScheduleTicker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private startedAt = 0;
  private ticks = 0;
  private stopped = false;

  constructor(private readonly options: ScheduleTickerOptions) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.startedAt = Date.now();
    this.schedule();
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One invocation, now. Resolves when the handler settles or its timeout passes; never rejects. */
  async tick(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 55_000;
    const event = scheduledEvent(this.options.ruleName ?? 'SchedulerTick', new Date());
    const context = lambdaContext({ functionName: this.options.functionName, timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        this.options.handler(event, context).then(() => 'done' as const),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
      ]);
      if (outcome === 'timeout') this.options.logger.error('ticker.timeout', { functionName: this.options.functionName, timeoutMs });
    } catch (error) {
      this.options.logger.error('ticker.failed', { functionName: this.options.functionName, error: error as Error });
    } finally {
      clearTimeout(timer);
    }
  }

  private schedule(): void {
    const intervalMs = this.options.intervalSeconds * 1000;
    this.ticks += 1;
    // Anchored to the start time, so slow ticks do not make the schedule drift.
    const dueAt = this.startedAt + this.ticks * intervalMs;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      if (this.running) {
        this.options.logger.warn('ticker.skipped', { functionName: this.options.functionName, reason: 'previous tick still running' });
      } else {
        this.running = this.tick().finally(() => (this.running = undefined));
      }
      this.schedule();
    }, Math.max(0, dueAt - Date.now()));
  }
}

export function scheduledEvent(ruleName: string, at: Date): ScheduledEvent {
  const { region, accountId } = LOCAL_API;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: accountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:events:${region}:${accountId}:rule/${ruleName}`],
    detail: {},
  };
}
