/**
 * Parent side of the API host process (api-host-process.ts), plus the few API calls the scenarios make:
 * create a tenant (admin key) and send messages as the tenant.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawnChild, type ChildHandle } from './child-rpc.ts';

const ENTRY = fileURLToPath(new URL('./api-host-process.ts', import.meta.url));

export interface Tenant {
  readonly tenantId: string;
  readonly apiKey: string;
}

export class ApiHost {
  private constructor(
    readonly handle: ChildHandle,
    readonly url: string,
    readonly adminKey: string,
  ) {}

  static async start(env: Readonly<Record<string, string>>, options: { webhooks?: boolean } = {}): Promise<ApiHost> {
    const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
    const handle = spawnChild('api-host', ENTRY, {
      env: {
        ...env,
        ADMIN_API_KEY: adminKey,
        BENCH_WEBHOOKS: String(options.webhooks ?? false),
        WEBHOOK_REQUIRE_HTTPS: 'false',
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        LOG_LEVEL: 'ERROR',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      },
    });
    const ready = handle.waitFor<{ url: string }>('ready', () => true, 120_000);
    const exited = handle.exited.then(({ code }) => {
      throw new Error(`API host exited during start-up (code ${code})`);
    });
    const { url } = await Promise.race([ready, exited]);
    return new ApiHost(handle, url, adminKey);
  }

  async createTenant(name: string): Promise<Tenant> {
    const res = await this.request('POST', '/v1/tenants', this.adminKey, { name });
    if (res.status !== 201) throw new Error(`creating a tenant answered ${res.status}: ${JSON.stringify(res.body)}`);
    const body = res.body as { tenantId: string; apiKey: string };
    return { tenantId: body.tenantId, apiKey: body.apiKey };
  }

  async request(method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }

  rssBytes(): number {
    return this.handle.rssBytes();
  }

  async stop(): Promise<void> {
    if (!this.handle.alive) return;
    await this.handle.call('stop', {}, 30_000).catch(() => undefined);
    await this.handle.stop(5_000);
  }
}
