/**
 * Queue attributes of the embedded SQS emulator: defaults, validation and application of the attributes
 * given to CreateQueue / SetQueueAttributes (redrive target type-checked), and their reading back for the
 * "same name, different attributes" rule of CreateQueue.
 */
import type { EmulatedQueue, QueueSettings } from './emulated-queue.ts';
import { SqsEmulatorError } from './sqs-emulator-error.ts';

export const DEFAULT_SETTINGS: QueueSettings = {
  visibilityTimeoutSeconds: 30,
  delaySeconds: 0,
  retentionSeconds: 4 * 24 * 3600,
  maximumMessageSize: 1024 * 1024,
  receiveWaitTimeSeconds: 0,
  contentBasedDeduplication: false,
};

/** Applies CreateQueue / SetQueueAttributes attributes, validating each as SQS does. */
export function applySettings(settings: QueueSettings, attributes: Record<string, string>, fifo: boolean, dlq: (arn: string) => EmulatedQueue): void {
  for (const [key, value] of Object.entries(attributes)) {
    switch (key) {
      case 'VisibilityTimeout':
        settings.visibilityTimeoutSeconds = int(value, 30, 0, 43_200, key);
        break;
      case 'DelaySeconds':
        settings.delaySeconds = int(value, 0, 0, 900, key);
        break;
      case 'MessageRetentionPeriod':
        settings.retentionSeconds = int(value, 345_600, 60, 1_209_600, key);
        break;
      case 'MaximumMessageSize':
        settings.maximumMessageSize = int(value, 1_048_576, 1024, 1_048_576, key);
        break;
      case 'ReceiveMessageWaitTimeSeconds':
        settings.receiveWaitTimeSeconds = int(value, 0, 0, 20, key);
        break;
      case 'ContentBasedDeduplication':
        settings.contentBasedDeduplication = value === 'true';
        break;
      case 'RedrivePolicy': {
        if (!value) {
          settings.redrivePolicy = undefined;
          break;
        }
        let policy: { deadLetterTargetArn?: string; maxReceiveCount?: number | string };
        try {
          policy = JSON.parse(value) as typeof policy;
        } catch {
          throw new SqsEmulatorError('InvalidAttributeValue', 'Invalid value for the parameter RedrivePolicy: not JSON.');
        }
        const target = dlq(String(policy.deadLetterTargetArn));
        if (target.fifo !== fifo) throw new SqsEmulatorError('InvalidParameterValue', 'A dead-letter queue must be of the same type as its source queue.');
        settings.redrivePolicy = { deadLetterTargetArn: target.arn, maxReceiveCount: int(policy.maxReceiveCount, 10, 1, 1000, 'maxReceiveCount') };
        break;
      }
      case 'FifoQueue':
      case 'KmsMasterKeyId':
      case 'KmsDataKeyReusePeriodSeconds':
      case 'SqsManagedSseEnabled':
      case 'Policy':
      case 'DeduplicationScope':
      case 'FifoThroughputLimit':
      case 'RedriveAllowPolicy':
        break; // accepted, no local effect
      default:
        throw new SqsEmulatorError('InvalidAttributeName', `Unknown Attribute ${key}.`);
    }
  }
}

export function settingOf(settings: QueueSettings, attribute: string): unknown {
  const map: Record<string, unknown> = {
    VisibilityTimeout: settings.visibilityTimeoutSeconds,
    DelaySeconds: settings.delaySeconds,
    MessageRetentionPeriod: settings.retentionSeconds,
    MaximumMessageSize: settings.maximumMessageSize,
    ReceiveMessageWaitTimeSeconds: settings.receiveWaitTimeSeconds,
    ContentBasedDeduplication: settings.contentBasedDeduplication,
    RedrivePolicy: settings.redrivePolicy,
  };
  return map[attribute];
}


/** An integer parameter within SQS's bounds, or SQS's InvalidParameterValue. */
export function int(value: unknown, fallback: number, min: number, max: number, parameter: string): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SqsEmulatorError('InvalidParameterValue', `Value ${String(value)} for parameter ${parameter} is invalid. Reason: Must be >= ${min} and <= ${max}.`);
  }
  return n;
}
