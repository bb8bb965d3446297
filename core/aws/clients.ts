/**
 * AWS SDK v3 clients, built once per entrypoint. Endpoints come from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` / `_SQS` / `_S3` variables (the SDK reads them itself), so the same code talks
 * to AWS or to the embedded emulators of `npm start` (D1). `createAwsClients` builds all of them. An
 * entrypoint that needs fewer (a Lambda function, for its cold start) imports only the modules of the clients
 * it uses (dynamo-clients.ts, sqs-client.ts, s3-client.ts), so its bundle leaves the others out.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientOptions } from './client-settings.ts';
import { createDynamoClients } from './dynamo-clients.ts';
import { createS3Client } from './s3-client.ts';
import { createSqsClient } from './sqs-client.ts';

export type { AwsClientOptions } from './client-settings.ts';

export interface AwsClients {
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

export function createAwsClients(options: AwsClientOptions = {}): AwsClients {
  return { ...createDynamoClients(options), sqs: createSqsClient(options), s3: createS3Client(options) };
}

export function destroyAwsClients(clients: AwsClients): void {
  clients.doc.destroy();
  clients.dynamo.destroy();
  clients.sqs.destroy();
  clients.s3.destroy();
}
