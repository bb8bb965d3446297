/**
 * The DynamoDB client and the document client on top of it (undefined attributes dropped, class instances
 * refused), in a module of their own so an entrypoint that needs only DynamoDB bundles only its SDK client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clientSettings, type AwsClientOptions } from './client-settings.ts';

export interface DynamoClients {
  readonly dynamo: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
}

export function createDynamoClients(options: AwsClientOptions = {}): DynamoClients {
  const { env, region, maxAttempts, credentials } = clientSettings(options);
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
  return { dynamo, doc };
}
