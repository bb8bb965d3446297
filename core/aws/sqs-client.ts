/** The SQS client, in a module of its own so an entrypoint bundles only the SDK clients it uses. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientSettings, type AwsClientOptions } from './client-settings.ts';

export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  const { env, region, maxAttempts, credentials } = clientSettings(options);
  return new SQSClient({ region, maxAttempts, credentials, endpoint: env.AWS_ENDPOINT_URL_SQS });
}
