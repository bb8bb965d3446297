/**
 * AWS SDK v3 clients, built once per entrypoint. Endpoints come from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` / `_SQS` / `_S3` variables (the SDK reads them itself), so the same code talks
 * to AWS or to the embedded emulators of `npm start` (D1). S3 needs path-style addressing off AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

export interface AwsClientOptions {
  readonly region?: string;
  /** SDK attempts per call, including the first. */
  readonly maxAttempts?: number;
  /**
   * Per-attempt timeout for DynamoDB requests (ms). Long-running processes whose safety depends on a
   * bounded round trip (lease renewal, D4) set it; default: the SDK's (none).
   */
  readonly dynamoRequestTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const maxAttempts = options.maxAttempts ?? 3;
  // An explicit environment (tests, the local stack) carries its own keys; otherwise the default chain applies.
  const credentials =
    options.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined;
  const dynamo = new DynamoDBClient({
    region,
    maxAttempts,
    credentials,
    endpoint: env.AWS_ENDPOINT_URL_DYNAMODB,
    ...(options.dynamoRequestTimeoutMs
      ? { requestHandler: { requestTimeout: options.dynamoRequestTimeoutMs, connectionTimeout: options.dynamoRequestTimeoutMs } }
      : {}),
  });
  const doc = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  const sqs = new SQSClient({ region, maxAttempts, credentials, endpoint: env.AWS_ENDPOINT_URL_SQS });
  const s3 = new S3Client({
    region,
    maxAttempts,
    credentials,
    endpoint: env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3),
  });
  return { dynamo, doc, sqs, s3 };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.doc.destroy();
  clients.dynamo.destroy();
  clients.sqs.destroy();
  clients.s3.destroy();
}
