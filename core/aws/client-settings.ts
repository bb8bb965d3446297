/**
 * What every AWS SDK client of an entrypoint shares: region, attempts per call and, for an explicit
 * environment (tests, the local stack), its own keys; endpoints come from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` / `_SQS` / `_S3` variables (D1). Used by clients.ts and s3-client.ts.
 */
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

export interface ClientSettings {
  readonly env: NodeJS.ProcessEnv;
  readonly region: string;
  readonly maxAttempts: number;
  /** Undefined: the SDK's default provider chain. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

export function clientSettings(options: AwsClientOptions = {}): ClientSettings {
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const maxAttempts = options.maxAttempts ?? 3;
  // An explicit environment (tests, the local stack) carries its own keys; otherwise the default chain applies.
  const credentials =
    options.env && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN }
      : undefined;
  return { env, region, maxAttempts, credentials };
}
