// Wire-level fault injection for one DynamoDB client: a rule decides, per operation, whether the request
// fails before it reaches the server or reaches it and then loses its response (the write applied, the
// caller sees a timeout). Also counts operations by command, to measure request rates.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type FaultKind = 'fail' | 'lose-response';
export type FaultRule = (command: string, input: Record<string, unknown>) => FaultKind | undefined;

export interface DynamoFaults {
  rule?: FaultRule;
  readonly counts: Map<string, number>;
  total(command?: string): number;
}

function timeoutError(): Error {
  const error = new Error('injected: request timed out');
  error.name = 'TimeoutError';
  return error;
}

export function installFaults(doc: DynamoDBDocumentClient): DynamoFaults {
  const faults: DynamoFaults = {
    counts: new Map(),
    total(command?: string) {
      if (command) return this.counts.get(command) ?? 0;
      return [...this.counts.values()].reduce((sum, n) => sum + n, 0);
    },
  };
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      faults.counts.set(command, (faults.counts.get(command) ?? 0) + 1);
      const fault = faults.rule?.(command, args.input as Record<string, unknown>);
      if (fault === 'fail') throw timeoutError();
      const result = await next(args);
      if (fault === 'lose-response') throw timeoutError();
      return result;
    },
    { step: 'initialize', name: 'testFaultInjection', priority: 'high' },
  );
  return faults;
}

/** True for an UpdateItem that renews a lease token. */
export function isRenewal(command: string, input: Record<string, unknown>): boolean {
  return command === 'UpdateItemCommand' && /#owner = :owner/.test(String(input.ConditionExpression ?? '')) && !/REMOVE/.test(String(input.UpdateExpression ?? ''));
}
