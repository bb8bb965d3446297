/**
 * Configuration of the embedded stack (`npm start`), read once at boot from the environment and checked with
 * zod. A bad value stops the boot with one line naming the variable (StartupError), never a stack trace.
 */
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { StartupError } from './startup-error.ts';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65_535).default(fallback);
const count = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const flag = (fallback: boolean) => z.stringbool().default(fallback);

const schema = z
  .object({
    PORT: port(3000),
    DATA_DIR: z.string().trim().min(1).default('.wa-fleet'),
    LOCAL_RUNNERS: count(1, 0, 16),
    LOCAL_RUNNER_RESTART: flag(true),
    SLOT_COUNT: count(4, 1, 64),
    TICK_SECONDS: count(60, 1, 3600),
    DYNAMODB_PORT: port(0),
    SQS_PORT: port(0),
    S3_PORT: port(0),
    WA_SIMULATOR: flag(false),
    SIM_PORT: port(3100),
    WEBHOOK_ALLOW_LOOPBACK: z.stringbool().optional(),
    AUTHORIZER_CACHE_SECONDS: count(30, 0, 3600),
    LOG_LEVEL: z
      .string()
      .transform((level) => level.toUpperCase())
      .pipe(z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']))
      .default('INFO'),
    ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
  })
  .refine((env) => env.LOCAL_RUNNERS <= env.SLOT_COUNT, {
    path: ['LOCAL_RUNNERS'],
    message: 'must not exceed SLOT_COUNT (each runner serves one slot)',
  });

/** Never echoed back in an error message. */
const SECRET_SETTINGS = new Set(['ADMIN_API_KEY']);

export interface LocalConfig {
  /** HTTP port of the API; 0 = any free port. */
  readonly port: number;
  /** Absolute path of the data directory (DynamoDB and S3 data, admin key, stack file). */
  readonly dataDir: string;
  readonly localRunners: number;
  /** Restart a runner that exits, as ECS would (off for fault tests). */
  readonly runnerRestart: boolean;
  readonly slotCount: number;
  readonly tickSeconds: number;
  /** 0 = any free port (the banner and logs show the ones chosen). */
  readonly emulatorPorts: { readonly dynamodb: number; readonly sqs: number; readonly s3: number };
  readonly simulator: { readonly enabled: boolean; readonly port: number };
  /** Passed through to the webhook functions when set. */
  readonly webhookAllowLoopback?: boolean;
  readonly authorizerCacheSeconds: number;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Set by the user; otherwise generated and kept in the data directory. */
  readonly adminApiKey?: string;
}

export function readLocalConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LocalConfig {
  // An empty variable means unset, as shells commonly leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const value = SECRET_SETTINGS.has(name) ? undefined : present[name];
    throw new StartupError(`${name}: ${issue.message}${value === undefined ? '' : ` (got "${value}")`}`, name);
  }
  const c = result.data;
  return {
    port: c.PORT,
    dataDir: isAbsolute(c.DATA_DIR) ? c.DATA_DIR : resolve(cwd, c.DATA_DIR),
    localRunners: c.LOCAL_RUNNERS,
    runnerRestart: c.LOCAL_RUNNER_RESTART,
    slotCount: c.SLOT_COUNT,
    tickSeconds: c.TICK_SECONDS,
    emulatorPorts: { dynamodb: c.DYNAMODB_PORT, sqs: c.SQS_PORT, s3: c.S3_PORT },
    simulator: { enabled: c.WA_SIMULATOR, port: c.SIM_PORT },
    webhookAllowLoopback: c.WEBHOOK_ALLOW_LOOPBACK,
    authorizerCacheSeconds: c.AUTHORIZER_CACHE_SECONDS,
    logLevel: c.LOG_LEVEL,
    adminApiKey: c.ADMIN_API_KEY,
  };
}
