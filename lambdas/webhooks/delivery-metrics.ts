/**
 * Delivery attempt counters as CloudWatch EMF through Powertools Metrics: `WebhookDeliverySucceeded` and
 * `WebhookDeliveryFailed` in namespace `WaFleet`, with the single `service` dimension (core/metric-names.ts),
 * which the webhook failure-rate alarm (infra) reads. Flushed once per batch, and only when something was
 * counted (an empty flush only logs a warning).
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, metricServices, webhookMetrics } from '../../core/metric-names.ts';
import type { DeliveryMetrics } from '../../core/webhooks/ports.ts';

export interface FlushableDeliveryMetrics extends DeliveryMetrics {
  flush(): void;
}

export class PowertoolsDeliveryMetrics implements FlushableDeliveryMetrics {
  private readonly metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: metricServices.webhooks });
  private pending = false;

  attempt(result: 'succeeded' | 'failed'): void {
    this.metrics.addMetric(result === 'succeeded' ? webhookMetrics.deliverySucceeded : webhookMetrics.deliveryFailed, MetricUnit.Count, 1);
    this.pending = true;
  }

  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    this.metrics.publishStoredMetrics();
  }
}

/** Counts in memory (tests), or nowhere. */
export class CountingDeliveryMetrics implements FlushableDeliveryMetrics {
  succeeded = 0;
  failed = 0;
  attempt(result: 'succeeded' | 'failed'): void {
    if (result === 'succeeded') this.succeeded++;
    else this.failed++;
  }
  flush(): void {}
}
