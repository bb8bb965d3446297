/**
 * Published AWS list prices (us-east-1, on-demand, checked 2025-06; free tiers ignored) and the cost of a
 * set of counted requests. Request units are estimated from the counts: one unit per DynamoDB item read
 * or written (items <= 1 KB written / <= 4 KB read strongly consistent), so the DynamoDB figure is a lower
 * bound: index replication writes and larger items cost more.
 */
export const PRICES = {
  date: '2025-06 (us-east-1 list prices)',
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  sqsStandardPerMillion: 0.4,
  sqsFifoPerMillion: 0.5,
  s3PutPerThousand: 0.005,
  s3GetPerThousand: 0.0004,
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
} as const;

const DYNAMO_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const S3_PUTS = new Set(['PutObject', 'ListObjects', 'CreateBucket', 'DeleteObjects', 'POST']);

export interface RequestCost {
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly sqsFifo: number;
  readonly sqsStandard: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
  /** USD for these requests. */
  readonly usd: number;
}

/**
 * Cost of requests counted by `service:operation:resource` (counts may be fractional: per message);
 * `items` holds the DynamoDB items per key (batches count their items), defaulting to the request count.
 */
export function costOf(counts: ReadonlyMap<string, number>, items: ReadonlyMap<string, number> = counts): RequestCost {
  let dynamoWrites = 0;
  let dynamoReads = 0;
  let sqsFifo = 0;
  let sqsStandard = 0;
  let s3Puts = 0;
  let s3Gets = 0;
  for (const [key, n] of counts) {
    const [service, operation = '', resource = ''] = key.split(':');
    const units = items.get(key) ?? n;
    if (service === 'dynamodb') {
      if (DYNAMO_WRITES.has(operation)) dynamoWrites += units;
      else dynamoReads += units;
    } else if (service === 'sqs') {
      if (resource.endsWith('.fifo')) sqsFifo += n;
      else sqsStandard += n;
    } else if (service === 's3') {
      if (S3_PUTS.has(operation)) s3Puts += n;
      else s3Gets += n;
    }
  }
  const usd =
    (dynamoWrites * PRICES.dynamoWritePerMillion + dynamoReads * PRICES.dynamoReadPerMillion + sqsFifo * PRICES.sqsFifoPerMillion + sqsStandard * PRICES.sqsStandardPerMillion) / 1e6 +
    (s3Puts * PRICES.s3PutPerThousand + s3Gets * PRICES.s3GetPerThousand) / 1e3;
  return { dynamoWrites, dynamoReads, sqsFifo, sqsStandard, s3Puts, s3Gets, usd };
}
