/**
 * The HTTP adapter of the WebhookSender port: one POST per attempt with node:http(s), hardened for hostile
 * receivers.
 *
 * - SSRF: the URL is checked again, the host resolved (injectable resolver, dns.promises.lookup by default)
 *   and every address checked; the connection then goes to those checked addresses only, through a pinned
 *   `lookup` on the request, so a DNS rebind between check and connect cannot reach an internal address. TLS
 *   still verifies the certificate against the host name (SNI = host name).
 * - One deadline (default 5 s) covers resolution, connect, TLS, request and response.
 * - Redirects are not followed (node:http never does); a 3xx is reported as `redirect_not_followed`.
 * - At most `maxResponseBytes` of the answer are read, then the response is destroyed: a huge or endless
 *   body cannot hold memory or the Lambda.
 * - Receiver and network faults are outcomes, never exceptions.
 */
import http from 'node:http';
import https from 'node:https';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { DeliveryErrorCode } from './retry-schedule.ts';
import type { WebhookRequest, WebhookResponse, WebhookSender } from './ports.ts';
import {
  WebhookUrlError,
  checkWebhookUrl,
  hostOf,
  resolveAllowedAddresses,
  type HostResolver,
  type ResolvedAddress,
  type SsrfPolicy,
} from './ssrf-guard.ts';

export interface HttpWebhookSenderOptions {
  readonly policy: SsrfPolicy;
  readonly timeoutMs: number;
  /** Bytes of the answer read before it is cut off. */
  readonly maxResponseBytes?: number;
  readonly resolve?: HostResolver;
}

const EXCERPT_BYTES = 256;

/** Resolves with the system resolver (getaddrinfo), every address, in resolver order. */
export const systemResolver: HostResolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

export class HttpWebhookSender implements WebhookSender {
  private readonly resolve: HostResolver;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: HttpWebhookSenderOptions) {
    this.resolve = options.resolve ?? systemResolver;
    this.maxResponseBytes = options.maxResponseBytes ?? 4096;
  }

  async send(request: WebhookRequest): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      const url = checkWebhookUrl(request.url, this.options.policy);
      const addresses = await abortable(resolveAllowedAddresses(url, this.options.policy, this.resolve), controller.signal);
      const answer = await this.post(url, addresses, request, controller.signal);
      return { ...answer, latencyMs: elapsed() };
    } catch (error) {
      return { error: classifyError(error, controller.signal), latencyMs: elapsed() };
    } finally {
      clearTimeout(timer);
    }
  }

  private post(
    url: URL,
    addresses: readonly ResolvedAddress[],
    request: WebhookRequest,
    signal: AbortSignal,
  ): Promise<Omit<WebhookResponse, 'latencyMs'>> {
    const host = hostOf(url);
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const outgoing = (secure ? https : http).request({
        protocol: url.protocol,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: false,
        lookup: pinnedLookup(addresses),
        signal,
        ...(secure && !isIP(host) ? { servername: host } : {}),
      });
      outgoing.on('error', reject);
      outgoing.on('response', (response) => {
        const statusCode = response.statusCode ?? 0;
        const excerpt: Buffer[] = [];
        let received = 0;
        let settled = false;
        const finish = (): void => {
          if (settled) return;
          settled = true;
          const text = Buffer.concat(excerpt).subarray(0, EXCERPT_BYTES).toString('utf8');
          resolve({ statusCode, error: errorForStatus(statusCode), responseExcerpt: text || undefined });
        };
        response.on('data', (chunk: Buffer) => {
          if (received < EXCERPT_BYTES) excerpt.push(chunk.subarray(0, EXCERPT_BYTES - received));
          received += chunk.length;
          if (received >= this.maxResponseBytes) {
            finish();
            response.destroy();
          }
        });
        response.on('end', finish);
        response.on('close', finish);
        response.on('error', finish);
      });
      outgoing.end(request.body);
    });
  }
}

/** A `lookup` that answers with the already checked addresses only: DNS is not asked again. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, addresses.map(({ address, family }) => ({ address, family })));
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

function errorForStatus(statusCode: number): DeliveryErrorCode | undefined {
  if (statusCode >= 200 && statusCode < 300) return undefined;
  if (statusCode >= 300 && statusCode < 400) return 'redirect_not_followed';
  return 'http_error';
}

function classifyError(error: unknown, signal: AbortSignal): DeliveryErrorCode {
  if (signal.aborted) return 'timeout';
  if (error instanceof WebhookUrlError) return error.code === 'webhook_url_unresolvable' ? 'dns_failed' : 'address_forbidden';
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns_failed';
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code)) return 'tls_failed';
  return 'connection_failed';
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
