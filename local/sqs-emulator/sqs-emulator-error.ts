/**
 * An SQS error as the JSON protocol reports it: the modelled shape name (`__type`), the legacy query-protocol
 * code the SDK reads from `x-amzn-query-error` (so `error.name` matches what AWS produces), and a message.
 */
const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  MessageNotInflight: 'AWS.SimpleQueueService.MessageNotInflight',
  QueueNameExists: 'QueueAlreadyExists',
  EmptyBatchRequest: 'AWS.SimpleQueueService.EmptyBatchRequest',
  TooManyEntriesInBatchRequest: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  BatchEntryIdsNotDistinct: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  InvalidBatchEntryId: 'AWS.SimpleQueueService.InvalidBatchEntryId',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
};

export class SqsEmulatorError extends Error {
  readonly queryCode: string;
  constructor(
    /** Smithy shape name, e.g. `QueueDoesNotExist`. */
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqsEmulatorError';
    this.queryCode = QUERY_CODES[type] ?? type;
  }
}
