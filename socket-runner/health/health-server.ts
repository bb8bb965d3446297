/**
 * `GET /health` on HEALTH_PORT for the ECS container health check (and the local stack's /health): 200
 * while the runner holds its slot, is not draining, and its command loop is receiving; 503 otherwise.
 * The body says why, with hosted sessions counted by status. Anything else answers 404.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../core/logger.ts';
import type { Ownership } from '../contracts.ts';
import type { HostedSessions } from '../session/session-host.ts';

export interface HealthReport {
  readonly healthy: boolean;
  readonly body: Record<string, unknown>;
}

export interface RunnerHealthSources {
  readonly ownership: Pick<Ownership, 'runnerId' | 'ready' | 'slot'>;
  readonly loop: { isRunning(): boolean };
  readonly host: Pick<HostedSessions, 'statusCounts' | 'size'>;
}

/** The runner's health: the slot is held (and not draining) and the command loop runs. */
export function runnerHealth(sources: RunnerHealthSources): () => HealthReport {
  return () => {
    const slotHeld = sources.ownership.ready();
    const commandLoop = sources.loop.isRunning();
    const healthy = slotHeld && commandLoop;
    return {
      healthy,
      body: {
        status: healthy ? 'ok' : 'unavailable',
        runnerId: sources.ownership.runnerId,
        slot: sources.ownership.slot() ?? null,
        slotHeld,
        commandLoop: commandLoop ? 'running' : 'stopped',
        sessions: { total: sources.host.size(), byStatus: sources.host.statusCounts() },
      },
    };
  };
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly report: () => HealthReport;
  readonly logger: Logger;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/health') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    let report: HealthReport;
    try {
      report = options.report();
    } catch (error) {
      options.logger.error('health.report_failed', { error });
      report = { healthy: false, body: { status: 'unavailable', error: 'health_check_failed' } };
    }
    res.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(report.body));
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
