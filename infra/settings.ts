/**
 * Deployment settings of the CDK app, read once from CDK context (cdk.json, or `-c key=value` on the command
 * line) and checked with zod: a malformed value fails the synth loudly instead of deploying something odd.
 * Every key is flat so it can be overridden from the CLI; values given with `-c` arrive as strings, hence the
 * coercions. The defaults here are the documented defaults (README "Deploying to AWS" > Settings); cdk.json
 * spells them out too so an operator sees every knob in one place.
 */
import * as z from 'zod';

const count = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const flag = (fallback: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .default(fallback);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

/** Fargate's valid cpu/memory pairs for the runner task (MiB). */
const FARGATE_MEMORY: Record<number, readonly [number, number]> = {
  256: [512, 2048],
  512: [1024, 4096],
  1024: [2048, 8192],
  2048: [4096, 16384],
  4096: [8192, 30720],
};

/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const settingsShape = z.object({
  /** Prefix of stack names and of the slot queues' physical names; one deployment per name per region. */
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,28}[a-z0-9]$/, 'name: lowercase letters, digits and dashes, 3-30 characters')
    .default('wa-fleet'),
  /**
   * Slots S = the runner service's maximum task count (D3): one FIFO command queue (+DLQ) per slot. At least
   * 2: a rolling deploy of a single runner needs a free slot for its replacement.
   */
  slotCount: count(10, 2, 1000),
  /** Runner task size: vCPU units (1024 = 1 vCPU) and memory in MiB. */
  runnerCpu: z.coerce.number().int().refine((cpu) => cpu in FARGATE_MEMORY, 'runnerCpu: 256, 512, 1024, 2048 or 4096').default(1024),
  runnerMemoryMiB: count(2048, 512, 30720),
  /** Runner tasks kept even when idle: 2 lets one fail over to the other without a cold start. */
  minRunners: count(2, 1, 1000),
  /** Target of the SessionsPerRunner target-tracking policy. */
  sessionsPerRunnerTarget: count(100, 1, 5000),
  /**
   * `public`: runners in public subnets with a public IP each, no NAT gateway (cheapest; egress IP changes
   * with every task). `private`: private subnets behind NAT gateways (fixed egress IPs, NAT hourly and
   * per-GB charges).
   */
  runnerNetwork: z.enum(['public', 'private']).default('public'),
  /** NAT gateways in `private` mode: 1 is cheapest, 2 survives an AZ outage. */
  natGateways: count(1, 1, 3),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  logRetentionDays: z.coerce
    .number()
    .int()
    .refine((days) => LOG_RETENTION_DAYS.includes(days), 'logRetentionDays: a CloudWatch Logs retention value')
    .default(30),
  /** Server access logs of the buckets (and nothing else) live this long. */
  accessLogRetentionDays: count(90, 1, 3650),

  /** REST API stage throttling (steady requests/s and burst), across all tenants. */
  apiThrottleRate: count(200, 1, 10000),
  apiThrottleBurst: count(400, 1, 5000),
  /** Authorizer result cache: a revoked key keeps working at most this long. 0 disables the cache. */
  authorizerCacheSeconds: count(30, 0, 3600),
  /** X-Ray tracing on the API stage and the functions. */
  tracing: flag(false),
  /**
   * SSM String parameter holding the hex SHA-256 of the admin API key. Only the hash is stored in AWS and
   * it reaches the authorizer as ADMIN_API_KEY_SHA256; the key itself never leaves the operator.
   */
  adminApiKeyHashParameter: z.string().startsWith('/').default('/wa-fleet/admin-api-key-sha256'),

  /** Concurrent webhook deliveries per queue (protects tenants' endpoints and the account's concurrency). */
  webhookConcurrency: count(20, 2, 1000),
  /** Campaign CSV uploads expire after this many days. */
  importRetentionDays: count(3, 1, 365),
  /** Browser origins allowed to PUT presigned uploads; empty = no CORS (uploads from servers only). */
  importCorsOrigins: z
    .union([z.array(z.string().min(1)), z.string()])
    .transform((value) => (Array.isArray(value) ? value : value.split(',').map((origin) => origin.trim()).filter(Boolean)))
    .default([]),
  /** Superseded versions of credential backups are kept this long. */
  credentialNoncurrentDays: count(30, 1, 365),
  /** A backup object older than this is deleted: runners must refresh a session's backup more often. */
  credentialBackupRetentionDays: count(180, 7, 3650),

  /** Alarm: oldest command waiting in a slot queue, seconds. */
  alarmCommandAgeSeconds: count(300, 60, 86400),
  /** Alarm: sessions a runner reports as stuck disconnected (sustained 5 minutes). */
  alarmStuckSessions: count(1, 1, 100000),
  /** Alarm: messages in a command or events dead-letter queue (a bug or poison message: look at once). */
  alarmDeadLetters: count(1, 1, 100000),
  /** Alarm: deliveries parked after exhausting their retries (mostly tenants' endpoints down: a trend). */
  alarmDeliveryDeadLetters: count(100, 1, 1000000),
  /** Alarm: runner memory utilization in percent (sustained 5 minutes). */
  alarmRunnerMemoryPercent: count(85, 10, 100),
  /** Alarm: webhook delivery failure rate in percent over 5 minutes, with at least 20 attempts. */
  alarmWebhookFailurePercent: count(20, 1, 100),
  /** Alarm: function errors per function in 5 minutes. */
  alarmLambdaErrors: count(1, 1, 100000),
  /** Alarm: API 5xx responses in 5 minutes. */
  alarmApi5xx: count(5, 1, 100000),

  /** Optional e-mail subscribed to the alarm topic directly (works even if the alarms function fails). */
  opsEmail: optionalText.pipe(z.email().optional()),
  /** Optional SSM String parameter with the ops webhook URL the alarms function posts to (OPS_WEBHOOK_URL). */
  opsWebhookUrlParameter: optionalText.pipe(z.string().startsWith('/').optional()),
});

export const settingsSchema = settingsShape.superRefine((settings, context) => {
  const [min, max] = FARGATE_MEMORY[settings.runnerCpu] ?? [0, 0];
  if (settings.runnerMemoryMiB < min || settings.runnerMemoryMiB > max || (settings.runnerMemoryMiB % 1024 !== 0 && settings.runnerMemoryMiB !== 512)) {
    context.addIssue({
      code: 'custom',
      path: ['runnerMemoryMiB'],
      message: `runnerMemoryMiB for runnerCpu ${settings.runnerCpu}: ${min}-${max}, in steps of 1024`,
    });
  }
  if (settings.minRunners > settings.slotCount) {
    context.addIssue({ code: 'custom', path: ['minRunners'], message: 'minRunners cannot exceed slotCount' });
  }
});

export type Settings = z.output<typeof settingsSchema>;

/** Context keys this app reads; anything else in context (feature flags, CDK's own keys) is ignored. */
export const SETTING_KEYS = Object.keys(settingsShape.shape) as (keyof Settings)[];

/** Reads the settings from a context lookup (`node.tryGetContext`), failing loudly on a bad value. */
export function readSettings(lookup: (key: string) => unknown): Settings {
  const raw = Object.fromEntries(SETTING_KEYS.map((key) => [key, lookup(key)]).filter(([, value]) => value !== undefined));
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(settings)'}: ${issue.message}`).join('; ');
    throw new Error(`invalid wa-fleet settings in CDK context: ${problems}`);
  }
  return result.data;
}
