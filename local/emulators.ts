/**
 * The embedded AWS-compatible emulators behind `npm start` and the integration tests: dynalite (DynamoDB),
 * the wa-fleet SQS emulator (sqs-emulator/: JSON protocol, FIFO groups, long polling, redrive) and s3rver
 * (S3), all on loopback. With a data directory, DynamoDB and S3 state persist across restarts; SQS is in
 * memory (commands are re-driven from DynamoDB, D2).
 *
 * Why not local-aws-sqs: its long polls wait the full WaitTimeSeconds unless a batch of 10 is ready, it never
 * holds back a FIFO message group while a message of it is in flight, and it can return one message twice in
 * a batch; each of those would make local runs behave unlike AWS exactly where D3 depends on SQS.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { enableS3rverDesTokens } from './s3rver-openssl3.ts';
import { startSqsEmulator } from './sqs-emulator/sqs-emulator-server.ts';

export interface EmulatorEndpoints {
  readonly dynamodb: string;
  readonly sqs: string;
  readonly s3: string;
}

export interface Emulators {
  readonly endpoints: EmulatorEndpoints;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Directory for persistent DynamoDB and S3 data; omitted = in memory / temporary. */
  readonly dataDir?: string;
  readonly host?: string;
  /** Fixed ports; 0 or omitted = any free port. */
  readonly ports?: Partial<Record<keyof EmulatorEndpoints, number>>;
}

/** Thrown when an emulator cannot listen; carries the port so callers can name the setting to change. */
export class EmulatorStartError extends Error {
  constructor(
    readonly service: keyof EmulatorEndpoints,
    readonly port: number,
    cause: unknown,
  ) {
    super(`${service} emulator could not listen on port ${port}: ${(cause as Error).message}`, { cause });
  }
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1';
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer().catch(() => undefined);
  };
  try {
    const dynamoPath = options.dataDir ? join(options.dataDir, 'dynamodb') : undefined;
    if (dynamoPath) mkdirSync(dynamoPath, { recursive: true });
    const dynamo: Server = dynalite({ path: dynamoPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoPort = await listen(dynamo, options.ports?.dynamodb ?? 0, host).catch((error) => {
      throw new EmulatorStartError('dynamodb', options.ports?.dynamodb ?? 0, error);
    });
    closers.push(() => closeServer(dynamo));

    const sqs = await startSqsEmulator({ port: options.ports?.sqs ?? 0, host }).catch((error: unknown) => {
      throw new EmulatorStartError('sqs', options.ports?.sqs ?? 0, error);
    });
    closers.push(() => sqs.close());
    const sqsPort = sqs.port;

    const s3Dir = options.dataDir ? join(options.dataDir, 's3') : mkdtempSync(join(tmpdir(), 'wa-fleet-s3-'));
    mkdirSync(s3Dir, { recursive: true });
    if (!options.dataDir) closers.push(async () => rmSync(s3Dir, { recursive: true, force: true }));
    enableS3rverDesTokens();
    // s3rver's run() never settles when its port is taken (the error is only emitted): check first.
    const s3Port = options.ports?.s3 ?? 0;
    if (s3Port !== 0) {
      await probePort(s3Port, host).catch((error: unknown) => {
        throw new EmulatorStartError('s3', s3Port, error);
      });
    }
    const s3 = new S3rver({ port: options.ports?.s3 ?? 0, address: host, directory: s3Dir, silent: true });
    const s3Address = await s3.run().catch((error: unknown) => {
      throw new EmulatorStartError('s3', options.ports?.s3 ?? 0, error);
    });
    closers.push(() => s3.close());

    return {
      endpoints: {
        dynamodb: `http://${host}:${dynamoPort}`,
        sqs: `http://${host}:${sqsPort}`,
        s3: `http://${host}:${s3Address.port}`,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The environment that points every AWS SDK client (in this process and its children) at the emulators. */
export function emulatorEnvironment(endpoints: EmulatorEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_REGION: 'us-east-1',
    // s3rver accepts only its own well-known key pair; dynalite and the SQS emulator accept any.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Resolves when `port` can be listened on right now (bound and released at once). */
function probePort(port: number, host: string): Promise<void> {
  const probe = createServer();
  return listen(probe, port, host).then(() => closeServer(probe));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
