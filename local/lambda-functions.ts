/**
 * The function modules the local stack runs in-process, loaded by dynamic import after the stack has set
 * the environment they read at load (resource names, endpoints, admin key). Each is loaded independently: a
 * module that does not exist yet, or fails to load, is reported (banner, /health) and its trigger stays off,
 * instead of taking the whole stack down.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const FUNCTION_MODULES = {
  api: 'lambdas/api/handler.ts',
  authorizer: 'lambdas/api/authorizer.ts',
  webhooks: 'lambdas/webhooks/handler.ts',
  webhookRetry: 'lambdas/webhooks/retry.handler.ts',
  scheduler: 'lambdas/scheduler/handler.ts',
} as const;

export type FunctionName = keyof typeof FUNCTION_MODULES;

/** A Lambda handler as the stack calls it: an event and a context in, a promise out. */
export type LambdaHandler = (event: never, context: never) => Promise<unknown>;

export type LoadedFunction =
  | { readonly status: 'ready'; readonly module: string; readonly handler: LambdaHandler }
  | { readonly status: 'missing' | 'failed'; readonly module: string; readonly reason: string };

export async function loadFunction(name: FunctionName, root: string): Promise<LoadedFunction> {
  const module = FUNCTION_MODULES[name];
  const path = join(root, module);
  if (!existsSync(path)) return { status: 'missing', module, reason: `${module} does not exist` };
  try {
    const loaded = (await import(pathToFileURL(path).href)) as { handler?: unknown };
    if (typeof loaded.handler !== 'function') return { status: 'failed', module, reason: `${module} exports no handler function` };
    return { status: 'ready', module, handler: loaded.handler as LambdaHandler };
  } catch (error) {
    return { status: 'failed', module, reason: `${module} failed to load: ${(error as Error).message}` };
  }
}

export function describeFunction(loaded: LoadedFunction): string {
  return loaded.status === 'ready' ? 'ready' : `${loaded.status}: ${loaded.reason}`;
}
