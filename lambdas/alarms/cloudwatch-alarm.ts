/**
 * The CloudWatch alarm notification that SNS carries to the alarms function (the SNS `Message` is this JSON),
 * and what we read out of it: state change, reason, and — for session-scoped alarms — the tenant and session
 * it concerns.
 *
 * Scope contract (for whoever defines an alarm that a tenant should hear about), either of:
 * - dimensions `TenantId` and optionally `SessionId` (and optionally `Alert`, the alert kind) on the alarm's
 *   metric, or on any metric of a metric-math alarm;
 * - a token in the alarm description: `wa-fleet:tenant=<tenantId> session=<sessionId> alert=<kind>`
 *   (session and alert optional), for alarms whose metrics cannot carry those dimensions.
 * The alert kind otherwise comes from the metric name (SessionLoggedOut -> logged_out, ...), else from the
 * alarm name. Fleet alarms carry no scope and go to operators only.
 */
import * as z from 'zod';

const dimensionsSchema = z.array(z.object({ name: z.string(), value: z.string() })).optional();

export const cloudWatchAlarmSchema = z.object({
  AlarmName: z.string(),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().optional(),
  AlarmArn: z.string().optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  OldStateValue: z.string().optional(),
  NewStateReason: z.string().default(''),
  StateChangeTime: z.string(),
  Region: z.string().optional(),
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Dimensions: dimensionsSchema,
      Metrics: z
        .array(
          z.object({
            Id: z.string().optional(),
            MetricStat: z.object({ Metric: z.object({ MetricName: z.string().optional(), Dimensions: dimensionsSchema }) }).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});
export type CloudWatchAlarm = z.infer<typeof cloudWatchAlarmSchema>;

export interface AlarmScope {
  readonly tenantId: string;
  readonly sessionId?: string;
  readonly alert: string;
}

const METRIC_ALERTS: Record<string, string> = {
  SessionLoggedOut: 'logged_out',
  SessionsLoggedOut: 'logged_out',
  SessionStuckDisconnected: 'stuck_disconnected',
  SessionsStuckDisconnected: 'stuck_disconnected',
  PacingTripped: 'pacing_tripped',
  SessionParked: 'session_parked',
};

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const DESCRIPTION_TOKEN = /\bwa-fleet:tenant=([A-Za-z0-9_-]{1,64})(?:\s+session=([A-Za-z0-9_-]{1,64}))?(?:\s+alert=([a-z_]{1,64}))?/;

/** Parses an SNS message as a CloudWatch alarm notification; undefined when it is not one. */
export function parseAlarm(message: string): CloudWatchAlarm | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    return undefined;
  }
  const parsed = cloudWatchAlarmSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Every metric name and dimension of the alarm (single-metric and metric-math alarms alike). */
function metricsOf(alarm: CloudWatchAlarm): { name?: string; dimensions: Record<string, string> }[] {
  const toMap = (dimensions: { name: string; value: string }[] | undefined) =>
    Object.fromEntries((dimensions ?? []).map((d) => [d.name.toLowerCase(), d.value]));
  const trigger = alarm.Trigger;
  if (!trigger) return [];
  return [
    { name: trigger.MetricName, dimensions: toMap(trigger.Dimensions) },
    ...(trigger.Metrics ?? []).map((m) => ({ name: m.MetricStat?.Metric.MetricName, dimensions: toMap(m.MetricStat?.Metric.Dimensions) })),
  ];
}

/** The tenant (and session) an alarm concerns, or undefined for a fleet alarm. */
export function alarmScope(alarm: CloudWatchAlarm): AlarmScope | undefined {
  const metrics = metricsOf(alarm);
  const byMetricName = metrics.map((m) => (m.name ? METRIC_ALERTS[m.name] : undefined)).find(Boolean);
  const fallbackAlert = byMetricName ?? snake(alarm.AlarmName);
  const scoped = metrics.find((m) => m.dimensions.tenantid && ID.test(m.dimensions.tenantid));
  if (scoped) {
    const sessionId = scoped.dimensions.sessionid;
    const alert = scoped.dimensions.alert;
    return {
      tenantId: scoped.dimensions.tenantid!,
      sessionId: sessionId && ID.test(sessionId) ? sessionId : undefined,
      alert: alert && /^[a-z_]{1,64}$/.test(alert) ? alert : fallbackAlert,
    };
  }
  const token = DESCRIPTION_TOKEN.exec(alarm.AlarmDescription ?? '');
  if (token) return { tenantId: token[1]!, sessionId: token[2], alert: token[3] ?? fallbackAlert };
  return undefined;
}

function snake(name: string): string {
  return (
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toLowerCase()
      .slice(0, 64) || 'alarm'
  );
}
