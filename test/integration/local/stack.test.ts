import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent, SQSEvent } from 'aws-lambda';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAwsClients, destroyAwsClients } from '../../../core/aws/clients.ts';
import { openTable } from '../../../core/aws/tables.ts';
import { S3BlobStore } from '../../../core/aws/s3-blob-store.ts';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import { createLogger } from '../../../core/logger.ts';
import { bucketNameFromEnv, queueUrlFromEnv } from '../../../core/resource-config.ts';
import { buckets, queues } from '../../../core/resources.ts';
import { readLocalConfig, type LocalConfig } from '../../../local/config.ts';
import { emulatorEnvironment } from '../../../local/emulators.ts';
import type { LambdaHandler } from '../../../local/lambda-functions.ts';
import { startStack, type RunningStack, type StackOptions } from '../../../local/stack.ts';
import { StartupError } from '../../../local/startup-error.ts';

const fakeRunner = fileURLToPath(new URL('./fixtures/fake-runner.mjs', import.meta.url));
const logger = createLogger('stack-test');

describe('the embedded stack', () => {
  let stack: RunningStack | undefined;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };

  const config = (dataDir: string, overrides: Record<string, string> = {}): LocalConfig =>
    readLocalConfig({ PORT: '0', DATA_DIR: dataDir, LOCAL_RUNNERS: '0', LOG_LEVEL: 'SILENT', ...overrides });
  const boot = async (options: Partial<StackOptions> & { config: LocalConfig }) => {
    stack = await startStack({ logger, env, functions: {}, runnerOutput: 'ignore', ...options });
    return stack;
  };
  const health = async (running: RunningStack) => {
    const res = await fetch(`${running.apiUrl}/health`);
    return { status: res.status, body: (await res.json()) as { status: string; services: Record<string, { ok: boolean }>; runners: { healthy: number } } };
  };

  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('boots on free ports in a fresh data directory and reports healthy services', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-stack-'));
    const running = await boot({ config: config(dataDir) });

    const { status, body } = await health(running);

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', services: { dynamodb: { ok: true }, sqs: { ok: true }, s3: { ok: true } } });
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(true);
    expect(env.AWS_ENDPOINT_URL_DYNAMODB).toBe(running.endpoints.dynamodb);
    expect(env.ADMIN_API_KEY).toBe(running.adminKey.key);
  });

  it('keeps what was written across a restart on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-stack-'));
    const first = await boot({ config: config(dataDir) });
    const writer = createAwsClients({ env: { ...emulatorEnvironment(first.endpoints) } });
    await openTable(writer.doc, 'sessions', env).put({ pk: 'tenant-p', sk: 'kept', note: 'written before restart' });
    await new S3BlobStore(writer.s3, bucketNameFromEnv(buckets.credentials, env)).put('kept/blob', 'bytes');
    destroyAwsClients(writer);
    const firstKey = first.adminKey.key;
    await first.close();
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);

    const second = await boot({ config: config(dataDir) });
    const reader = createAwsClients({ env: { ...emulatorEnvironment(second.endpoints) } });
    try {
      expect(await openTable(reader.doc, 'sessions', env).get({ pk: 'tenant-p', sk: 'kept' })).toMatchObject({ note: 'written before restart' });
      expect((await new S3BlobStore(reader.s3, bucketNameFromEnv(buckets.credentials, env)).get('kept/blob'))?.toString()).toBe('bytes');
      expect(second.adminKey).toEqual({ key: firstKey, source: 'data-dir' });
    } finally {
      destroyAwsClients(reader);
    }
  });

  it('counts runners in its health: 503 when one of LOCAL_RUNNERS is down and not restarted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-stack-'));
    const running = await boot({ config: config(dataDir, { LOCAL_RUNNERS: '1', LOCAL_RUNNER_RESTART: 'false' }), runnerEntry: fakeRunner });
    await expect.poll(async () => (await health(running)).status, { timeout: 10_000, interval: 100 }).toBe(200);
    expect((await health(running)).body.runners.healthy).toBe(1);

    process.kill(running.runners!.runners()[0]!.pid!, 'SIGKILL');

    await expect.poll(async () => (await health(running)).status, { timeout: 5_000, interval: 100 }).toBe(503);
    expect((await health(running)).body).toMatchObject({ status: 'degraded', runners: { healthy: 0, ok: false } });
  });

  it('wires the function triggers: events queue -> webhooks, HTTP -> authorizer -> API', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-stack-'));
    const delivered: string[] = [];
    const webhooks = async (event: SQSEvent) => void delivered.push(...event.Records.map((record) => record.body));
    const api = async (event: APIGatewayProxyEvent) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });
    const authorizer = async () => ({
      principalId: 'p',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
      context: { role: 'admin' },
    });
    const running = await boot({
      config: config(dataDir),
      functions: { webhooks, api, authorizer } as unknown as Record<string, LambdaHandler>,
    });

    const clients = createAwsClients({ env: emulatorEnvironment(running.endpoints) });
    await new SqsQueue(clients.sqs, queueUrlFromEnv(queues.events, env)).send({ body: '{"type":"test"}' });
    destroyAwsClients(clients);
    await expect.poll(() => delivered, { timeout: 5_000, interval: 50 }).toEqual(['{"type":"test"}']);

    const res = await fetch(`${running.apiUrl}/v1/anything`, { headers: { Authorization: 'Bearer x' } });
    expect(await res.json()).toMatchObject({ role: 'admin', principalId: 'p' });
  });

  it.each(['DYNAMODB_PORT', 'SQS_PORT', 'S3_PORT'])('names %s when that emulator port is taken, and leaves nothing running', async (setting) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = String((blocker.address() as { port: number }).port);
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-stack-'));
    try {
      const failure = await startStack({ logger, env: {}, functions: {}, config: config(dataDir, { [setting]: port }) }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StartupError);
      expect(failure).toMatchObject({ setting, message: expect.stringContaining(`port ${port} is already in use; set ${setting}`) });
      expect(existsSync(join(dataDir, 'stack.pid'))).toBe(false); // cleaned up: a retry can start at once
    } finally {
      blocker.close();
    }
  });

  it('runs the WhatsApp simulator beside the stack and points runners at it, with its trust anchor preloaded', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'wa-fleet-stack-'));
    const running = await boot({ config: config(dataDir, { WA_SIMULATOR: 'true', SIM_PORT: '0', LOCAL_RUNNERS: '1' }), runnerEntry: fakeRunner });
    await expect.poll(async () => (await health(running)).status, { timeout: 15_000, interval: 100 }).toBe(200);
    expect((await health(running)).body.services.simulator).toMatchObject({ ok: true });

    const runner = running.runners!.runners()[0]!;
    const seen = (await fetch(`http://127.0.0.1:${runner.healthPort}/health?detail`).then((res) => res.json())) as {
      env: Record<string, string>;
      execArgv: string[];
    };

    expect(seen.env).toMatchObject({
      WA_SIMULATOR: 'true',
      WA_WEB_SOCKET_URL: running.simulator!.url,
      AWS_ENDPOINT_URL_SQS: running.endpoints.sqs,
      SESSIONS_TABLE: 'wa-fleet-sessions',
    });
    expect(Buffer.from(seen.env.WA_SIM_ROOT_PUBLIC_KEY ?? '', 'base64')).toHaveLength(32);
    expect(seen.env.ADMIN_API_KEY).toBeUndefined();
    expect(seen.execArgv.some((arg) => arg.endsWith('local/wa-simulator/preload.ts'))).toBe(true);
    expect(existsSync(join(dataDir, 'wa-simulator'))).toBe(true);
  });
});
