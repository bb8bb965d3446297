/**
 * An HTTP reverse proxy in front of one AWS emulator (DynamoDB, SQS or S3), for counting and for faults.
 * It understands just enough of the AWS protocols to name each request: the service, the operation
 * (`X-Amz-Target` for DynamoDB and SQS's JSON protocol, method + path for S3) and the resource (table,
 * queue or bucket). Every request is counted by `service:operation:resource`, and rules decide its fate:
 *
 * - `pass`          forward it (the default);
 * - `delay`         forward it after `delayMs`;
 * - `drop-response` forward it, let the emulator apply it, then cut the client's connection: the write
 *                   happened, the caller sees a transport error (a lost response);
 * - `blackhole`     hold it without forwarding until the caller gives up (a partition);
 * - `reset`         cut the connection without forwarding;
 * - `throttle`      answer 400 ThrottlingException without forwarding;
 * - `swallow`       answer 200 `{}` without forwarding (the caller believes it happened);
 * - `rewrite`       forward the JSON body as `rewrite` changes it.
 *
 * `partition(true)` blackholes everything until lifted. Rules may be limited to a number of matches and
 * are evaluated in order; the first match wins.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type AwsService = 'dynamodb' | 'sqs' | 's3';
export type FaultAction = 'pass' | 'delay' | 'drop-response' | 'blackhole' | 'reset' | 'throttle' | 'swallow' | 'rewrite';

export interface ProxiedRequest {
  readonly service: AwsService;
  readonly operation: string;
  readonly resource: string;
  /** Parsed JSON body (DynamoDB, SQS); undefined for S3 or non-JSON bodies. */
  readonly body: Record<string, unknown> | undefined;
  readonly bytes: number;
}

export interface FaultRule {
  readonly name: string;
  readonly when: (request: ProxiedRequest) => boolean;
  readonly action: FaultAction;
  readonly delayMs?: number;
  /** Sees each answer (status and body) to a request the rule matched; the answer is passed on unchanged. */
  readonly onResponse?: (status: number, body: string) => void;
  /** For `rewrite`: the body to forward instead. */
  readonly rewrite?: (body: Record<string, unknown>) => Record<string, unknown>;
  /** Matches left before the rule retires (undefined = unlimited). */
  remaining?: number;
  /** How many requests the rule has acted on. */
  hits?: number;
}

export interface ProxyCount {
  readonly key: string;
  readonly count: number;
}

export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<ServerResponse>();
  private rules: FaultRule[] = [];
  private partitioned = false;
  private readonly counts = new Map<string, number>();
  private readonly units = new Map<string, number>();
  port = 0;

  constructor(
    readonly service: AwsService,
    private readonly upstream: URL,
  ) {}

  static async start(service: AwsService, upstream: string): Promise<FaultProxy> {
    const proxy = new FaultProxy(service, new URL(upstream));
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addRule(rule: FaultRule): FaultRule {
    rule.hits = 0;
    this.rules.push(rule);
    return rule;
  }

  clearRules(): void {
    this.rules = [];
  }

  /** Blackholes every request until lifted; requests held meanwhile are then cut (their callers gave up). */
  partition(on: boolean): void {
    this.partitioned = on;
    if (!on) this.releaseHeld();
  }

  get isPartitioned(): boolean {
    return this.partitioned;
  }

  /** Requests seen, by `service:operation:resource`. */
  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Items read or written (a batch counts its items), by the same keys: DynamoDB's billing unit basis. */
  itemSnapshot(): Map<string, number> {
    return new Map(this.units);
  }

  resetCounts(): void {
    this.counts.clear();
    this.units.clear();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const request = describe(this.service, req, body);
    const key = `${request.service}:${request.operation}:${request.resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.units.set(key, (this.units.get(key) ?? 0) + itemsOf(request));

    const rule = this.partitioned ? PARTITION_RULE : this.match(request);
    const action = rule?.action ?? 'pass';
    switch (action) {
      case 'blackhole':
        this.held.add(res);
        res.once('close', () => this.held.delete(res));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'throttle':
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'injected throttling' }));
        return;
      case 'swallow':
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end('{}');
        return;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, rule?.delayMs ?? 0));
        break;
      default:
        break;
    }
    const forwarded = action === 'rewrite' && rule?.rewrite && request.body ? Buffer.from(JSON.stringify(rule.rewrite(request.body))) : body;
    this.forward(req, res, forwarded, action === 'drop-response', rule?.onResponse);
  }

  private match(request: ProxiedRequest): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.remaining !== undefined && rule.remaining <= 0) continue;
      if (!rule.when(request)) continue;
      if (rule.remaining !== undefined) rule.remaining--;
      rule.hits = (rule.hits ?? 0) + 1;
      return rule;
    }
    return undefined;
  }

  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer, dropResponse: boolean, onResponse?: FaultRule['onResponse']): void {
    const upstream = httpRequest(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.upstream.host, 'content-length': String(body.length) },
      },
      (answer) => {
        if (dropResponse) {
          answer.resume();
          answer.once('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (!onResponse) {
          answer.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.once('end', () => {
          const text = Buffer.concat(chunks);
          try {
            onResponse(answer.statusCode ?? 0, text.toString('utf8'));
          } finally {
            res.end(text);
          }
        });
      },
    );
    upstream.on('error', () => req.socket.destroy());
    upstream.end(body);
  }

  /** Held requests are cut when a partition lifts: their callers have long given up. */
  private releaseHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }
}

const PARTITION_RULE: FaultRule = { name: 'partition', when: () => true, action: 'blackhole' };

function describe(service: AwsService, req: IncomingMessage, body: Buffer): ProxiedRequest {
  const target = String(req.headers['x-amz-target'] ?? '');
  let parsed: Record<string, unknown> | undefined;
  if (service !== 's3' && body.length > 0) {
    try {
      parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
  }
  if (service === 'dynamodb') {
    const operation = target.split('.')[1] ?? 'unknown';
    const table = typeof parsed?.TableName === 'string' ? parsed.TableName : Object.keys((parsed?.RequestItems as object | undefined) ?? {})[0];
    return { service, operation, resource: table ?? '-', body: parsed, bytes: body.length };
  }
  if (service === 'sqs') {
    const operation = target.split('.')[1] ?? (new URLSearchParams(body.toString('utf8')).get('Action') ?? 'unknown');
    const queueUrl = typeof parsed?.QueueUrl === 'string' ? parsed.QueueUrl : typeof parsed?.QueueName === 'string' ? parsed.QueueName : '-';
    return { service, operation, resource: queueUrl.split('/').pop() ?? '-', body: parsed, bytes: body.length };
  }
  const url = new URL(req.url ?? '/', 'http://s3');
  const [bucket = '-', ...key] = url.pathname.replace(/^\//, '').split('/');
  const hasKey = key.join('/').length > 0;
  const method = req.method ?? 'GET';
  const operation =
    method === 'PUT' ? (hasKey ? 'PutObject' : 'CreateBucket')
    : method === 'GET' ? (hasKey ? 'GetObject' : 'ListObjects')
    : method === 'DELETE' ? 'DeleteObject'
    : method === 'POST' && url.searchParams.has('delete') ? 'DeleteObjects'
    : method === 'HEAD' ? 'HeadObject'
    : method;
  return { service, operation, resource: bucket, body: undefined, bytes: body.length };
}

/** Items a request reads or writes: batch operations carry several. */
function itemsOf(request: ProxiedRequest): number {
  const items = request.body?.RequestItems as Record<string, unknown[] | { Keys?: unknown[] }> | undefined;
  if (!items) return 1;
  let n = 0;
  for (const value of Object.values(items)) n += Array.isArray(value) ? value.length : (value.Keys?.length ?? 0);
  return Math.max(1, n);
}
