/**
 * The Lambda `Context` the local stack passes to in-process handlers, so middy and Powertools (logger
 * context, idempotency's remaining-time guard) see what they see in AWS: a request id, the function's name
 * and a deadline.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_API } from './gateway/proxy-event.ts';

export interface LambdaContextOptions {
  readonly functionName: string;
  readonly timeoutMs: number;
  readonly memoryMb?: number;
  readonly requestId?: string;
  readonly now?: () => number;
}

export function lambdaContext(options: LambdaContextOptions): Context {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const { region, accountId } = LOCAL_API;
  const unsupported = () => {
    throw new Error('callback-style completion is not supported: return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
