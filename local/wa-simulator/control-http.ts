/**
 * The simulator's HTTP control API (JSON), served on the same port as its WebSocket endpoint, for demos,
 * e2e tests and other processes: scan a QR, enter a pairing code, make a contact write, read what a contact
 * received, inject faults, read statistics (connections and overlaps per device) and the root key. Input is
 * validated with zod; errors answer `{ error: { code, message, details? } }` with a 4xx status.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import * as z from 'zod';
import { AppError, NotFoundError, PayloadTooLargeError, ValidationError } from '../../core/errors.ts';
import type { SimLogger } from './router.ts';
import type { WaSimulator } from './simulator.ts';

const MAX_BODY_BYTES = 64 * 1024;

const phone = z.string().regex(/^\+?[0-9]{5,20}$/, 'a phone number: digits, optionally with a leading +');
const delay = z.number().int().min(0).max(3_600_000).nullable().optional();

const schemas = {
  scan: z.object({ qr: z.string().min(10).max(4096), phoneNumber: phone }),
  pairingCode: z.object({ phoneNumber: phone, code: z.string().regex(/^[0-9A-Za-z-]{8,9}$/, 'the 8-character pairing code') }),
  inbound: z.object({ from: phone, to: phone, text: z.string().min(1).max(65_536) }),
  received: z.object({ to: phone }),
  slow: z.object({ ms: z.number().int().min(0).max(600_000) }),
  receipts: z.object({ deliveredMs: delay, readMs: delay }),
  numbers: z.object({ numbers: z.array(phone).min(1).max(10_000) }),
  wait: z.object({ state: z.enum(['online', 'offline', 'removed']), timeoutMs: z.coerce.number().int().min(1).max(120_000).default(10_000) }),
  target: z.string().regex(/^\+?[0-9]{5,20}(:[0-9]{1,3})?$/, 'a phone number, optionally with :deviceId'),
};

type Handler = (request: { body: unknown; query: URLSearchParams; params: string[] }) => Promise<unknown> | unknown;

const FAULTS = ['logout', 'conflict', 'drop', 'silence'] as const;

/** Builds the request listener for the control routes (everything under `/sim/`). */
export function createControlHandler(sim: WaSimulator, logger: SimLogger): RequestListener {
  const routes: { method: string; path: RegExp; handle: Handler }[] = [
    { method: 'GET', path: /^\/sim\/root-key$/, handle: () => ({ rootPublicKey: sim.rootPublicKey.toString('base64'), url: sim.url }) },
    { method: 'GET', path: /^\/sim\/health$/, handle: () => ({ ok: true, connections: sim.connectionCounts() }) },
    { method: 'GET', path: /^\/sim\/stats$/, handle: () => sim.stats() },
    {
      method: 'POST',
      path: /^\/sim\/scan$/,
      handle: ({ body }) => {
        const { qr, phoneNumber } = parse(schemas.scan, body);
        return sim.scan(qr, phoneNumber);
      },
    },
    {
      method: 'POST',
      path: /^\/sim\/pairing-code$/,
      handle: ({ body }) => {
        const { phoneNumber, code } = parse(schemas.pairingCode, body);
        return sim.enterPairingCode(phoneNumber, code);
      },
    },
    {
      method: 'POST',
      path: /^\/sim\/inbound$/,
      handle: ({ body }) => {
        const { from, to, text } = parse(schemas.inbound, body);
        return sim.inbound(from, to, text);
      },
    },
    { method: 'GET', path: /^\/sim\/received$/, handle: ({ query }) => ({ messages: sim.received(parse(schemas.received, Object.fromEntries(query)).to) }) },
    {
      method: 'POST',
      path: /^\/sim\/slow$/,
      handle: ({ body }) => {
        sim.setSlow(parse(schemas.slow, body).ms);
        return { ok: true };
      },
    },
    {
      method: 'POST',
      path: /^\/sim\/receipts$/,
      handle: ({ body }) => {
        const input = parse(schemas.receipts, body);
        const settings: Parameters<WaSimulator['setReceipts']>[0] = {};
        if (input.deliveredMs !== undefined) settings.deliveredMs = input.deliveredMs ?? undefined;
        if (input.readMs !== undefined) settings.readMs = input.readMs ?? undefined;
        sim.setReceipts(settings);
        return { ok: true };
      },
    },
    {
      method: 'POST',
      path: /^\/sim\/contacts\/(not-on-whatsapp|on-whatsapp)$/,
      handle: ({ body, params }) => {
        const { numbers } = parse(schemas.numbers, body);
        sim.setOnWhatsApp(numbers, params[0] === 'on-whatsapp');
        return { ok: true, numbers: numbers.length };
      },
    },
    {
      method: 'POST',
      path: /^\/sim\/devices\/([^/]+)\/(logout|conflict|drop|silence)$/,
      handle: ({ params }) => {
        const target = parse(schemas.target, decodeURIComponent(params[0] ?? ''));
        const fault = FAULTS.find((name) => name === params[1]);
        if (!fault) throw new NotFoundError('fault');
        return { affected: sim[fault](target) };
      },
    },
    {
      method: 'GET',
      path: /^\/sim\/devices\/([^/]+)\/wait$/,
      handle: async ({ params, query }) => {
        const target = parse(schemas.target, decodeURIComponent(params[0] ?? ''));
        const { state, timeoutMs } = parse(schemas.wait, Object.fromEntries(query));
        return sim.waitForDevice(target, state, timeoutMs).catch(() => {
          throw new AppError('wait_timeout', `device did not reach ${state} in time`, 408);
        });
      },
    },
  ];

  return (request, response) => {
    void respond(routes, request, response, logger);
  };
}

async function respond(
  routes: { method: string; path: RegExp; handle: Handler }[],
  request: IncomingMessage,
  response: ServerResponse,
  logger: SimLogger,
): Promise<void> {
  try {
    const url = new URL(request.url ?? '/', 'http://sim');
    const matching = routes.map((route) => ({ route, match: route.path.exec(url.pathname) })).filter((entry) => entry.match);
    if (matching.length === 0) throw new NotFoundError('route');
    const found = matching.find((entry) => entry.route.method === request.method);
    if (!found?.match) throw new AppError('method_not_allowed', `use ${matching.map((entry) => entry.route.method).join(', ')}`, 405);
    const body = request.method === 'POST' ? await readJson(request) : undefined;
    const result = await found.route.handle({ body, query: url.searchParams, params: found.match.slice(1) });
    send(response, 200, result);
  } catch (error) {
    if (error instanceof AppError) {
      send(response, error.statusCode, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
    } else {
      logger.error('control.failed', { path: request.url?.split('?')[0], error: (error as Error)?.message });
      send(response, 500, { error: { code: 'internal', message: 'internal simulator error' } });
    }
  }
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const details = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw new ValidationError('invalid request', details);
  }
  return result.data;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new PayloadTooLargeError();
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('request body is not valid JSON', undefined, 'invalid_json');
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  response.end(payload);
}
