/**
 * The environment of the local stack and of its runners. The stack process gets the emulator endpoints
 * (the standard `AWS_ENDPOINT_URL_*` variables, so every SDK client in it talks to the emulators), the
 * emulators' credentials, every resource variable, the admin key and the local webhook policy. Runners get
 * the same minus what only the API may know (the admin key), plus the simulator settings in simulator mode.
 */
import type { LocalConfig } from './config.ts';

/**
 * Local runners get 20 s to hand over on SIGTERM (ECS gives 120 s; a developer's Ctrl-C should not wait that
 * long), unless DRAIN_BUDGET_MS says otherwise; the stack waits that plus a margin before SIGKILL.
 */
export function drainBudgetMs(env: NodeJS.ProcessEnv): number {
  const given = Number(env.DRAIN_BUDGET_MS);
  return Number.isInteger(given) && given > 0 ? given : 20_000;
}

/** Never inherited from the user's shell by the stack's processes. */
const SCRUBBED = ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_DEFAULT_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE'];
/** Stack-only settings a runner must not see (least privilege) or would misread. */
const NOT_FOR_RUNNERS = ['ADMIN_API_KEY', 'PORT', 'HEALTH_PORT', 'RUNNER_ID'];

export interface StackEnvironment {
  /** Variables set in the stack's own process (in-process functions read them). */
  readonly stack: Record<string, string>;
  /** What every runner child gets on top of the inherited environment (also written for joiners). */
  readonly runner: Record<string, string>;
}

export function stackEnvironment(input: {
  readonly config: LocalConfig;
  readonly endpointEnv: Readonly<Record<string, string>>;
  readonly resourceEnv: Readonly<Record<string, string>>;
  readonly adminKey: string;
  readonly simulatorEnv?: Readonly<Record<string, string>>;
  /** How long a stopping runner may take to hand its sessions over (the runner's DRAIN_BUDGET_MS). */
  readonly drainBudgetMs: number;
}): StackEnvironment {
  const shared = {
    ...input.endpointEnv,
    ...input.resourceEnv,
    LOG_LEVEL: input.config.logLevel,
    ...(input.config.webhookAllowLoopback === undefined ? {} : { WEBHOOK_ALLOW_LOOPBACK: String(input.config.webhookAllowLoopback) }),
  };
  return {
    stack: {
      ...shared,
      ADMIN_API_KEY: input.adminKey,
      // Local webhook targets are plain http (lambdas/webhooks/config.ts); SSRF rules otherwise unchanged.
      WEBHOOK_REQUIRE_HTTPS: 'false',
    },
    runner: { ...shared, DRAIN_BUDGET_MS: String(input.drainBudgetMs), ...input.simulatorEnv },
  };
}

/** Applies the stack's variables to its own process environment. */
export function applyStackEnvironment(target: NodeJS.ProcessEnv, stack: Readonly<Record<string, string>>): void {
  for (const name of SCRUBBED) delete target[name];
  const requireHttps = target.WEBHOOK_REQUIRE_HTTPS;
  Object.assign(target, stack);
  if (requireHttps !== undefined) target.WEBHOOK_REQUIRE_HTTPS = requireHttps; // an explicit choice stands
}

/** A runner's environment: the user's, scrubbed, under the stack's runner variables. */
export function runnerEnvironment(inherited: NodeJS.ProcessEnv, runner: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(inherited)) {
    if (value !== undefined && !SCRUBBED.includes(name) && !NOT_FOR_RUNNERS.includes(name)) out[name] = value;
  }
  return { ...out, ...runner };
}
