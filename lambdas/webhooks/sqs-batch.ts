/**
 * SQS batch plumbing shared by both webhooks consumers: Powertools' BatchProcessor with partial batch
 * responses, so one bad record is retried alone instead of failing its whole batch. A processor instance
 * holds per-batch state, so each invocation gets its own (the local stack may run invocations concurrently).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Logger } from '../../core/logger.ts';

export async function processSqsBatch(
  event: SQSEvent,
  handleRecord: (record: SQSRecord) => Promise<void>,
  logger: Logger,
  context?: Context,
): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  const guarded = async (record: SQSRecord): Promise<void> => {
    try {
      await handleRecord(record);
    } catch (error) {
      logger.error('webhook.record_failed', { messageId: record.messageId, error: error as Error });
      throw error;
    }
  };
  return processPartialResponse(event, guarded, processor, { context, throwOnFullBatchFailure: false });
}
