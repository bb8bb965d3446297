/**
 * Per-route request metrics (ARCHITECTURE D9): count, latency and errors, as CloudWatch EMF through
 * Powertools Metrics (namespace `WaFleet`, dimensions `service` = api and `route`). The port keeps the pipeline testable and
 * lets tests and the local stack stay silent.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, metricServices } from '../../core/metric-names.ts';

export interface RequestMetrics {
  /** One finished request: `route` is the pattern (`GET /v1/sessions/{id}`), never a concrete path. */
  record(route: string, statusCode: number, latencyMs: number): void;
}

export const silentMetrics: RequestMetrics = { record: () => undefined };

export class PowertoolsRequestMetrics implements RequestMetrics {
  private readonly metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: metricServices.api });

  // Synchronous from the first dimension to the flush: concurrent requests in one process cannot interleave.
  record(route: string, statusCode: number, latencyMs: number): void {
    this.metrics.addDimension('route', route);
    this.metrics.addMetric('Requests', MetricUnit.Count, 1);
    this.metrics.addMetric('Latency', MetricUnit.Milliseconds, latencyMs);
    this.metrics.addMetric('ClientErrors', MetricUnit.Count, statusCode >= 400 && statusCode < 500 ? 1 : 0);
    this.metrics.addMetric('ServerErrors', MetricUnit.Count, statusCode >= 500 ? 1 : 0);
    this.metrics.publishStoredMetrics();
  }
}
