/**
 * The demo's webhook endpoint: a small HTTP server on 127.0.0.1 that verifies every delivery's Standard
 * Webhooks signature with the `standardwebhooks` package, as a tenant's receiver would, on the raw body
 * before parsing it, then checks the payload is a wa-fleet event envelope. Verified deliveries answer 204 and
 * are kept (once per webhook-id); forged or altered ones answer 401, malformed events 400, both kept as
 * rejected; anything arriving before the secret is known answers 503, so it is retried.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { typedEventSchema } from '../../core/domain/event-schemas.ts';
import type { AnyEvent } from '../../core/domain/event.ts';
import { listenHttp, type RunningServer } from '../http-listener.ts';

const MAX_BODY_BYTES = 256 * 1024;
export const RECEIVER_PATH = '/hooks/wa-fleet';

export interface VerifiedDelivery {
  readonly webhookId: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly event: AnyEvent;
  readonly receivedAt: number;
}

export interface RejectedDelivery {
  readonly webhookId?: string;
  readonly reason: string;
}

export class SignedWebhookReceiver {
  readonly verified: VerifiedDelivery[] = [];
  readonly rejected: RejectedDelivery[] = [];
  private verifier: Webhook | undefined;
  private readonly listeners: ((delivery: VerifiedDelivery) => void)[] = [];

  private server!: RunningServer;

  private constructor() {}

  static async start(): Promise<SignedWebhookReceiver> {
    const receiver = new SignedWebhookReceiver();
    receiver.server = await listenHttp((req, res) => receiver.handle(req, res), 0);
    return receiver;
  }

  /** The URL to register (loopback: the local stack must run with WEBHOOK_ALLOW_LOOPBACK=true). */
  get url(): string {
    return `${this.server.url}${RECEIVER_PATH}`;
  }

  /** The endpoint's secret (`whsec_...`), known once the webhook is registered. */
  trust(secret: string): void {
    this.verifier = new Webhook(secret);
  }

  /** Called with every newly verified delivery (the demo's `--keep` mode prints them as they come). */
  onVerified(listener: (delivery: VerifiedDelivery) => void): void {
    this.listeners.push(listener);
  }

  /** The verified deliveries of one event type, oldest first (deduplicated by webhook-id, as receivers should). */
  events<T extends AnyEvent['type']>(type: T): (VerifiedDelivery & { event: Extract<AnyEvent, { type: T }> })[] {
    return this.verified.filter((delivery): delivery is VerifiedDelivery & { event: Extract<AnyEvent, { type: T }> } => delivery.event.type === type);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number) => {
      res.writeHead(status);
      res.end();
    };
    if (req.method !== 'POST' || req.url !== RECEIVER_PATH) {
      req.resume();
      return answer(404);
    }
    const body = await readBody(req);
    if (body === undefined) return answer(413);
    if (!this.verifier) return answer(503);
    const headers = {
      'webhook-id': header(req, 'webhook-id'),
      'webhook-timestamp': header(req, 'webhook-timestamp'),
      'webhook-signature': header(req, 'webhook-signature'),
    };
    let payload: unknown;
    try {
      payload = this.verifier.verify(body, headers);
    } catch (error) {
      this.rejected.push({ webhookId: headers['webhook-id'] || undefined, reason: `signature: ${(error as Error).message}` });
      return answer(401);
    }
    const parsed = typedEventSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.rejected.push({ webhookId: headers['webhook-id'], reason: `not an event envelope: ${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}` });
      return answer(400);
    }
    const event = parsed.data as unknown as AnyEvent;
    answer(204);
    if (this.verified.some((delivery) => delivery.webhookId === headers['webhook-id'])) return;
    const delivery: VerifiedDelivery = {
      webhookId: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      event,
      receivedAt: Date.now(),
    };
    this.verified.push(delivery);
    for (const listener of this.listeners) listener(delivery);
  }
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
