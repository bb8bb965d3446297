/**
 * Physical resource names and URLs, as entrypoints read them from their environment at boot. The variable
 * names come from core/resources.ts; CDK and the local stack set them from the same definitions, so a missing
 * one is a deployment bug and fails loudly. Each entrypoint's config.ts asks only for what it uses (least
 * privilege: the API function is not even told the auth table's name).
 */
import { buckets, queues, tables, type BucketDefinition, type QueueDefinition, type TableName } from './resources.ts';

export const SLOT_COUNT_ENV = 'SLOT_COUNT';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
}

export function tableNameFromEnv(table: TableName, env: NodeJS.ProcessEnv = process.env): string {
  return required(env, tables[table].envVar);
}

/** The URL of a queue, or, for the command queues, the URL template containing `{slot}`. */
export function queueUrlFromEnv(queue: QueueDefinition, env: NodeJS.ProcessEnv = process.env): string {
  return required(env, queue.envVar);
}

export function bucketNameFromEnv(bucket: BucketDefinition, env: NodeJS.ProcessEnv = process.env): string {
  return required(env, bucket.envVar);
}

/** Number of runner slots S (= the runner service's maximum task count). */
export function slotCountFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(required(env, SLOT_COUNT_ENV));
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`${SLOT_COUNT_ENV} must be 1-1000`);
  return value;
}

export { buckets, queues, tables };
