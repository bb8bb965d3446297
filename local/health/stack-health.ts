/**
 * `GET /health` of the local stack: real calls, with a short timeout each, to every backing service
 * (DynamoDB, SQS, S3 and, in simulator mode, the WhatsApp simulator), plus each local runner's own
 * `/health`. 200 when all services answer and at least LOCAL_RUNNERS runners are healthy; 503 otherwise.
 * The function modules' load state is reported too, without affecting the status (they are code, not
 * services: a missing one is printed in the banner).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RunnerHealth } from '../runners/runner-fleet.ts';

export interface ServiceProbe {
  readonly name: string;
  check(signal: AbortSignal): Promise<unknown>;
}

export interface ServiceHealth {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly services: Record<string, ServiceHealth>;
  readonly runners: {
    readonly ok: boolean;
    readonly required: number;
    readonly healthy: number;
    readonly processes: readonly RunnerHealth[];
    readonly note?: string;
  };
  readonly functions: Record<string, string>;
}

export interface StackHealthOptions {
  readonly probes: readonly ServiceProbe[];
  readonly runners: () => Promise<readonly RunnerHealth[]>;
  readonly requiredRunners: number;
  /** Why runners cannot run at all (e.g. the runner entry is missing), shown in the report. */
  readonly runnersNote?: string;
  readonly functions: () => Record<string, string>;
  readonly timeoutMs?: number;
}

export class StackHealth {
  constructor(private readonly options: StackHealthOptions) {}

  async report(): Promise<HealthReport> {
    const timeoutMs = this.options.timeoutMs ?? 1_500;
    const [services, processes] = await Promise.all([
      Promise.all(this.options.probes.map(async (probe) => [probe.name, await timed(probe, timeoutMs)] as const)),
      this.options.runners(),
    ]);
    const healthy = processes.filter((runner) => runner.healthy).length;
    const runnersOk = healthy >= this.options.requiredRunners;
    const servicesOk = services.every(([, health]) => health.ok);
    return {
      status: servicesOk && runnersOk ? 'ok' : 'degraded',
      services: Object.fromEntries(services),
      runners: { ok: runnersOk, required: this.options.requiredRunners, healthy, processes, note: this.options.runnersNote },
      functions: this.options.functions(),
    };
  }

  /** The `/health` route. */
  listener(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    return async (req, res) => {
      req.resume();
      const report = await this.report();
      const body = JSON.stringify(report);
      res.writeHead(report.status === 'ok' ? 200 : 503, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'content-length': Buffer.byteLength(body),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
  }
}

async function timed(probe: ServiceProbe, timeoutMs: number): Promise<ServiceHealth> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await Promise.race([
      probe.check(signal),
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)), { once: true })),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message || String(error) };
  }
}
