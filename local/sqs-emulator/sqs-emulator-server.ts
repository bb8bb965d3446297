/**
 * The embedded SQS endpoint: AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Action>`), as SDK v3 speaks
 * it, on loopback. Errors carry the modelled `__type` and the `x-amzn-query-error` header, so SDK errors get
 * the same names as in AWS. A long poll ends early when its client disconnects.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SqsEmulatorError } from './sqs-emulator-error.ts';
import { SqsService } from './sqs-service.ts';

export interface SqsEmulator {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

export async function startSqsEmulator(options: { port?: number; host?: string } = {}): Promise<SqsEmulator> {
  const host = options.host ?? '127.0.0.1';
  const service = new SqsService('');
  const server = createServer((req, res) => void serve(service, req, res));
  // Long polls hold sockets for up to 20 s; nothing here should keep them open longer.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  service.setBaseUrl(url);
  return { url, port, close: () => closeServer(server, service) };
}

async function serve(service: SqsService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = randomUUID();
  res.setHeader('x-amzn-RequestId', requestId);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  try {
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith('AmazonSQS.')) {
      throw new SqsEmulatorError('UnsupportedOperation', 'Only the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<Action>) is supported');
    }
    const raw = await readBody(req);
    let input: Record<string, unknown>;
    try {
      input = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      throw new SqsEmulatorError('InvalidParameterValue', 'The request body is not valid JSON');
    }
    const output = await service.handle(target.slice('AmazonSQS.'.length), input, abort.signal);
    if (res.destroyed) return;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(output));
  } catch (error) {
    if (res.destroyed) return;
    const known = error instanceof SqsEmulatorError ? error : undefined;
    const type = known?.type ?? 'InternalError';
    res.writeHead(known ? 400 : 500, {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${known?.queryCode ?? 'InternalError'};${known ? 'Sender' : 'Receiver'}`,
    });
    res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message: (error as Error).message }));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new SqsEmulatorError('InvalidParameterValue', 'Request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function closeServer(server: Server, service: SqsService): Promise<void> {
  service.close();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
