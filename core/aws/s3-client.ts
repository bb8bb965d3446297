/**
 * The S3 client, in a module of its own so that an entrypoint that needs S3 only on some requests (the API:
 * campaign CSV imports) can import it on first use and keep the S3 SDK out of its cold start.
 * S3 needs path-style addressing off AWS (the local emulator).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { clientSettings, type AwsClientOptions } from './client-settings.ts';

export function createS3Client(options: AwsClientOptions = {}): S3Client {
  const { env, region, maxAttempts, credentials } = clientSettings(options);
  return new S3Client({
    region,
    maxAttempts,
    credentials,
    endpoint: env.AWS_ENDPOINT_URL_S3,
    forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3),
  });
}
