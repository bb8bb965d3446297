/**
 * Downloads a tenant's media URL for a send, safely. The runner sits inside the VPC next to the ECS task
 * metadata endpoint and other internal services; handing a tenant-supplied URL to a plain fetch would let
 * a tenant make the runner fetch an internal address and send the result to themselves over WhatsApp
 * (SSRF). So: http(s) only; every address a host name resolves to is checked at connect time (the DNS
 * lookup the socket actually uses, so a rebinding between check and connect cannot slip through) against
 * private, loopback, link-local, CGNAT, multicast and metadata ranges; IP literals likewise; redirects
 * followed by hand (each hop checked again, at most 3); a size cap counted on the bytes, and a timeout.
 * Local mode may allow private addresses explicitly (`allowPrivate`), never by default.
 *
 * The result is a stream Baileys encrypts and uploads (media bytes never sit in memory whole).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Transform, type Readable } from 'node:stream';

export interface MediaDownloadOptions {
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly allowPrivate: boolean;
  readonly maxRedirects: number;
}

export const DEFAULT_MEDIA_DOWNLOAD: MediaDownloadOptions = {
  maxBytes: 64 * 1024 * 1024,
  timeoutMs: 30_000,
  allowPrivate: false,
  maxRedirects: 3,
};

/** The media cannot be fetched (refused address, HTTP error, too large, timeout): the send fails for good. */
export class MediaUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaUnavailableError';
  }
}

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** True for addresses a tenant's URL must not reach. */
export function isBlockedAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Opens `url` as a stream of at most `maxBytes`, refusing internal addresses. */
export async function openMediaStream(url: string, options: MediaDownloadOptions = DEFAULT_MEDIA_DOWNLOAD): Promise<Readable> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const response = await get(current, options, signal);
    const status = response.statusCode ?? 0;
    if (status >= 300 && status < 400 && response.headers.location) {
      response.resume();
      if (hop >= options.maxRedirects) throw new MediaUnavailableError('too many redirects');
      current = new URL(response.headers.location, current);
      continue;
    }
    if (status < 200 || status >= 300) {
      response.resume();
      throw new MediaUnavailableError(`media URL answered ${status}`);
    }
    const length = Number(response.headers['content-length'] ?? 0);
    if (length > options.maxBytes) {
      response.destroy();
      throw new MediaUnavailableError(`media is larger than ${options.maxBytes} bytes`);
    }
    return response.pipe(sizeLimit(options.maxBytes, response));
  }
}

function get(url: URL, options: MediaDownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new MediaUnavailableError('media URL must be http or https'));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !options.allowPrivate && isBlockedAddress(host)) {
    return Promise.reject(new MediaUnavailableError('media URL points to a private address'));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', signal, lookup: guardedLookup(options.allowPrivate), headers: { 'user-agent': 'wa-fleet' } }, resolve);
    req.on('error', (error) => reject(error instanceof MediaUnavailableError ? error : new MediaUnavailableError(`media download failed: ${error.message}`)));
    req.end();
  });
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const refused = !allowPrivate && addresses.some((entry) => isBlockedAddress(entry.address));
      if (refused || addresses.length === 0) {
        return callback(new MediaUnavailableError('media URL resolves to a private address'), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Passes the body through, failing past `maxBytes`; a source failure (timeout, reset) fails it too. */
function sizeLimit(maxBytes: number, source: IncomingMessage): Transform {
  let seen = 0;
  let settled = false;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) {
        settled = true;
        done(new MediaUnavailableError(`media is larger than ${maxBytes} bytes`));
        source.destroy();
        return;
      }
      done(null, chunk);
    },
  });
  const fail = (message: string) => {
    if (settled || limited.destroyed) return;
    settled = true;
    limited.destroy(new MediaUnavailableError(message));
  };
  source.once('error', (error) => fail(`media download failed: ${error.message}`));
  source.once('aborted', () => fail('media download aborted'));
  return limited;
}
