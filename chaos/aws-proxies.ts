/**
 * One fault proxy per AWS service in front of the emulators, and the environment that routes a process
 * through them (the standard AWS_ENDPOINT_URL_* variables). Each runner of a fault run gets its own set,
 * so a fault hits one runner only; the benchmarks use one set to count requests by operation.
 */
import { FaultProxy, type AwsService } from './fault-proxy.ts';

const ENDPOINT_VARS: Record<AwsService, string> = {
  dynamodb: 'AWS_ENDPOINT_URL_DYNAMODB',
  sqs: 'AWS_ENDPOINT_URL_SQS',
  s3: 'AWS_ENDPOINT_URL_S3',
};

export class AwsProxies {
  private constructor(readonly proxies: Readonly<Record<AwsService, FaultProxy>>) {}

  /** Proxies for the endpoints named in `env`. */
  static async start(env: Readonly<Record<string, string>>): Promise<AwsProxies> {
    const entries = await Promise.all(
      (Object.keys(ENDPOINT_VARS) as AwsService[]).map(async (service) => {
        const upstream = env[ENDPOINT_VARS[service]];
        if (!upstream) throw new Error(`${ENDPOINT_VARS[service]} is not set`);
        return [service, await FaultProxy.start(service, upstream)] as const;
      }),
    );
    return new AwsProxies(Object.fromEntries(entries) as Record<AwsService, FaultProxy>);
  }

  get dynamodb(): FaultProxy {
    return this.proxies.dynamodb;
  }

  get sqs(): FaultProxy {
    return this.proxies.sqs;
  }

  get s3(): FaultProxy {
    return this.proxies.s3;
  }

  /** `env` with the endpoints pointing at these proxies. */
  route(env: Readonly<Record<string, string>>): Record<string, string> {
    const out = { ...env };
    for (const [service, proxy] of Object.entries(this.proxies) as [AwsService, FaultProxy][]) out[ENDPOINT_VARS[service]] = proxy.url;
    return out;
  }

  /** Merged request counts of all three, by `service:operation:resource`. */
  snapshot(): Map<string, number> {
    const merged = new Map<string, number>();
    for (const proxy of Object.values(this.proxies)) for (const [key, n] of proxy.snapshot()) merged.set(key, (merged.get(key) ?? 0) + n);
    return merged;
  }

  /** Merged item counts (DynamoDB batches count their items). */
  itemSnapshot(): Map<string, number> {
    const merged = new Map<string, number>();
    for (const proxy of Object.values(this.proxies)) for (const [key, n] of proxy.itemSnapshot()) merged.set(key, (merged.get(key) ?? 0) + n);
    return merged;
  }

  resetCounts(): void {
    for (const proxy of Object.values(this.proxies)) proxy.resetCounts();
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.proxies).map((proxy) => proxy.close()));
  }
}
