/**
 * Configuration of the alarms function, read once per container: the events queue (required, for tenant
 * alerts) and the ops webhook URL (optional: without it, ops messages are only logged).
 */
import * as z from 'zod';
import { queueUrlFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';

const settingsSchema = z.object({
  OPS_WEBHOOK_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export interface AlarmsConfig {
  readonly eventsQueueUrl: string;
  readonly opsWebhookUrl?: string;
}

export function loadAlarmsConfig(env: NodeJS.ProcessEnv = process.env): AlarmsConfig {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid alarms configuration: OPS_WEBHOOK_URL must be an http(s) URL`);
  return { eventsQueueUrl: queueUrlFromEnv(queues.events, env), opsWebhookUrl: parsed.data.OPS_WEBHOOK_URL };
}
