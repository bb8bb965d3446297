/**
 * Configuration of the standalone simulator (main.ts), read once from the environment and validated:
 * `SIM_PORT` (default 3100), `SIM_HOST` (default 127.0.0.1), `SIM_STATE_DIR` (optional: persist state),
 * `SIM_DELIVERED_MS` (default 50) and `SIM_READ_MS` (optional: contacts send read receipts).
 */
import * as z from 'zod';

const schema = z.object({
  SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(3100),
  SIM_HOST: z.string().min(1).default('127.0.0.1'),
  SIM_STATE_DIR: z.string().min(1).optional(),
  SIM_DELIVERED_MS: z.coerce.number().int().min(0).default(50),
  SIM_READ_MS: z.coerce.number().int().min(0).optional(),
});

export type SimulatorConfig = z.output<typeof schema>;

export function readSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid simulator configuration: ${problems}`);
  }
  return result.data;
}
