/**
 * Names of the custom CloudWatch metrics wa-fleet emits (EMF, through Powertools Metrics), declared once:
 * the emitters (socket runner, webhook functions) publish them and the CDK app (infra/) alarms, scales and
 * draws dashboards on them, so a renamed metric cannot silently leave an alarm watching nothing.
 *
 * Dimension contract: every metric carries exactly one dimension, `service`, which Powertools Metrics adds
 * from its service name (POWERTOOLS_SERVICE_NAME, set by the CDK app to the values in `metricServices`).
 * Do not add other dimensions to these metrics: CloudWatch treats each dimension combination as a separate
 * metric, and the alarms would no longer see them.
 */

/** CloudWatch namespace of every custom metric (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'WaFleet';

/** The `service` dimension value (= POWERTOOLS_SERVICE_NAME) of each emitter. */
export const metricServices = {
  runner: 'socket-runner',
  api: 'api',
  authorizer: 'authorizer',
  webhooks: 'webhooks',
  scheduler: 'scheduler',
  alarms: 'alarms',
} as const;

export const SERVICE_DIMENSION = 'service';

/** Gauges each socket runner publishes once a minute (service `socket-runner`). */
export const runnerMetrics = {
  /**
   * Sessions this runner currently hosts (unit Count). Its Average across runners drives the service's
   * target-tracking autoscaling, so every runner must publish it every minute, including 0 while idle.
   */
  sessionsPerRunner: 'SessionsPerRunner',
  /**
   * Hosted sessions whose desired state is running but that have not been `open` for more than 5 minutes
   * (reconnect loops, circuit breaker parked, stuck connecting), excluding `qr`/`needs_pairing`, which wait
   * for a human. Alarmed on its Maximum.
   */
  sessionsStuckDisconnected: 'SessionsStuckDisconnected',
} as const;

/** Counters the webhook delivery functions publish per delivery attempt (service `webhooks`). */
export const webhookMetrics = {
  /** An attempt the endpoint answered with 2xx. */
  deliverySucceeded: 'WebhookDeliverySucceeded',
  /** An attempt that failed (non-2xx, timeout, refused by the SSRF guard), whether or not it is retried. */
  deliveryFailed: 'WebhookDeliveryFailed',
} as const;
