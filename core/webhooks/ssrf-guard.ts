/**
 * SSRF guard for tenant webhook URLs (D7). A tenant chooses where our Lambda sends HTTP requests, so every
 * target is checked twice: at registration (URL syntax, scheme, host name, literal addresses, and what the
 * name resolves to right now) and again at every delivery, after resolving DNS, with the checked address
 * pinned for the connection (http-webhook-sender.ts), so a DNS rebind between check and connect cannot reach
 * an internal address.
 *
 * Refused: loopback, private (RFC 1918), CGNAT, link-local (incl. the cloud metadata address
 * 169.254.169.254), unspecified, multicast, reserved, benchmarking and documentation ranges; on IPv6 the same
 * plus unique-local, site-local, NAT64/6to4/Teredo and IPv4-mapped/compatible forms of refused IPv4
 * addresses; single-label names and internal suffixes (`localhost`, `.internal`, `.local`, ...). A name
 * that resolves to several addresses is refused if any one of them is refused.
 *
 * Local mode may allow loopback (and only loopback) with `allowLoopback`.
 */
import { isIP } from 'node:net';
import { ValidationError } from '../errors.ts';

export interface SsrfPolicy {
  /** Only https targets (true in AWS). */
  readonly requireHttps: boolean;
  /** Allow 127.0.0.0/8, ::1 and `localhost` (local mode only; never private or metadata addresses). */
  readonly allowLoopback: boolean;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has (dns.promises.lookup with `all: true` in production). */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Why an address is refused, or `public` / `loopback`. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link_local' | 'reserved' | 'multicast' | 'unspecified' | 'documentation' | 'translated';

/** A webhook URL the guard refuses. Stable codes, 400. */
export class WebhookUrlError extends ValidationError {
  constructor(code: 'webhook_url_invalid' | 'webhook_url_insecure' | 'webhook_url_forbidden' | 'webhook_url_unresolvable', message: string) {
    super(message, undefined, code);
  }
}

type Range4 = readonly [network: number, prefix: number, kind: AddressClass];
const IPV4_RANGES: readonly Range4[] = [
  [ip4('0.0.0.0'), 8, 'unspecified'],
  [ip4('10.0.0.0'), 8, 'private'],
  [ip4('100.64.0.0'), 10, 'private'],
  [ip4('127.0.0.0'), 8, 'loopback'],
  [ip4('169.254.0.0'), 16, 'link_local'],
  [ip4('172.16.0.0'), 12, 'private'],
  [ip4('192.0.0.0'), 24, 'reserved'],
  [ip4('192.0.2.0'), 24, 'documentation'],
  [ip4('192.88.99.0'), 24, 'reserved'],
  [ip4('192.168.0.0'), 16, 'private'],
  [ip4('198.18.0.0'), 15, 'reserved'],
  [ip4('198.51.100.0'), 24, 'documentation'],
  [ip4('203.0.113.0'), 24, 'documentation'],
  [ip4('224.0.0.0'), 4, 'multicast'],
  [ip4('240.0.0.0'), 4, 'reserved'],
];

type Range6 = readonly [network: bigint, prefix: number, kind: AddressClass | 'embedded'];
/** Ranges checked in order; `embedded` ranges carry an IPv4 address in their low 32 bits (or bits 16-48 for 6to4). */
const IPV6_RANGES: readonly Range6[] = [
  [0n, 128, 'unspecified'],
  [1n, 128, 'loopback'],
  [ip6('::ffff:0:0'), 96, 'embedded'],
  [0n, 96, 'embedded'],
  [ip6('64:ff9b::'), 96, 'translated'],
  [ip6('64:ff9b:1::'), 48, 'translated'],
  [ip6('100::'), 64, 'reserved'],
  [ip6('2001:db8::'), 32, 'documentation'],
  [ip6('2001::'), 23, 'reserved'],
  [ip6('2002::'), 16, 'embedded'],
  [ip6('3fff::'), 20, 'documentation'],
  [ip6('fc00::'), 7, 'private'],
  [ip6('fe80::'), 10, 'link_local'],
  [ip6('fec0::'), 10, 'private'],
  [ip6('ff00::'), 8, 'multicast'],
];

const FORBIDDEN_NAMES = new Set(['localhost', 'metadata', 'instance-data', 'metadata.google.internal']);
const FORBIDDEN_SUFFIXES = ['.localhost', '.local', '.localdomain', '.internal', '.intranet', '.lan', '.home.arpa', '.arpa', '.corp'];

/** Classifies an IP address (IPv4 in any inet_aton form, or IPv6 with or without brackets). */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  const v4 = parseIpv4(bare);
  if (v4 !== undefined) return classifyIpv4(v4);
  const v6 = parseIpv6(bare);
  if (v6 === undefined) throw new Error('not an IP address');
  for (const [network, prefix, kind] of IPV6_RANGES) {
    if (!inRange6(v6, network, prefix)) continue;
    if (kind !== 'embedded') return kind;
    const embedded = prefix === 16 ? Number((v6 >> 80n) & 0xffffffffn) : Number(v6 & 0xffffffffn);
    return classifyIpv4(embedded);
  }
  return 'public';
}

/** True when the policy lets a request go to an address of this class. */
export function isAllowedClass(kind: AddressClass, policy: SsrfPolicy): boolean {
  return kind === 'public' || (kind === 'loopback' && policy.allowLoopback);
}

/**
 * Static checks of a webhook URL: parseable, http(s), no credentials, https when required, no internal
 * host names, and a literal address must be allowed. Returns the parsed URL; throws WebhookUrlError.
 */
export function checkWebhookUrl(raw: string, policy: SsrfPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('webhook_url_invalid', 'The webhook URL is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookUrlError('webhook_url_invalid', 'The webhook URL must use https');
  }
  if (url.username || url.password) {
    throw new WebhookUrlError('webhook_url_invalid', 'The webhook URL must not carry credentials');
  }
  if (policy.requireHttps && url.protocol !== 'https:') {
    throw new WebhookUrlError('webhook_url_insecure', 'The webhook URL must use https');
  }
  const host = hostOf(url);
  if (isIpLiteral(host)) {
    if (!isAllowedClass(classifyAddress(host), policy)) throw forbidden();
    return url;
  }
  const name = host.replace(/\.$/, '').toLowerCase();
  if (name === 'localhost' && policy.allowLoopback) return url;
  if (!name.includes('.') || FORBIDDEN_NAMES.has(name) || FORBIDDEN_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
    throw forbidden();
  }
  return url;
}

/**
 * Resolves the URL's host and returns the addresses to connect to, all of them allowed. A literal address
 * is returned as is. Throws WebhookUrlError when any address is refused or the name does not resolve.
 */
export async function resolveAllowedAddresses(url: URL, policy: SsrfPolicy, resolve: HostResolver): Promise<ResolvedAddress[]> {
  const host = hostOf(url);
  if (isIpLiteral(host)) {
    if (!isAllowedClass(classifyAddress(host), policy)) throw forbidden();
    const v4 = parseIpv4(host);
    return [v4 !== undefined ? { address: formatIpv4(v4), family: 4 } : { address: host, family: 6 }];
  }
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new WebhookUrlError('webhook_url_unresolvable', 'The webhook URL host name does not resolve');
  }
  if (addresses.length === 0) throw new WebhookUrlError('webhook_url_unresolvable', 'The webhook URL host name does not resolve');
  for (const { address } of addresses) {
    if (!isIpLiteral(address) || !isAllowedClass(classifyAddress(address), policy)) throw forbidden();
  }
  return [...addresses];
}

/** The host of a URL without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

function forbidden(): WebhookUrlError {
  return new WebhookUrlError('webhook_url_forbidden', 'The webhook URL points at a private, loopback, link-local or reserved address');
}

function isIpLiteral(host: string): boolean {
  return parseIpv4(host) !== undefined || isIP(host) === 6;
}

function classifyIpv4(value: number): AddressClass {
  for (const [network, prefix, kind] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if (((value & mask) >>> 0) === network) return kind;
  }
  return 'public';
}

function inRange6(value: bigint, network: bigint, prefix: number): boolean {
  const shift = BigInt(128 - prefix);
  return value >> shift === network >> shift;
}

/**
 * Parses IPv4 as inet_aton does: 1-4 parts, each decimal, octal (leading 0) or hex (0x), the last part
 * filling the remaining bytes (`127.1`, `2130706433`, `0x7f.1`, `0177.0.0.1`). Undefined for anything else.
 */
export function parseIpv4(input: string): number | undefined {
  const parts = input.split('.');
  if (parts.length > 4 || parts.some((part) => part === '')) return undefined;
  const numbers: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return undefined;
    numbers.push(value);
  }
  const last = numbers.pop()!;
  if (numbers.some((n) => n > 255)) return undefined;
  const lastBits = 8 * (4 - numbers.length);
  if (last >= 2 ** lastBits) return undefined;
  let value = 0;
  for (const n of numbers) value = value * 256 + n;
  return value * 2 ** lastBits + last;
}

function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses an IPv6 address (with `::` and an optional dotted IPv4 tail; zone ids refused) to a 128-bit value. */
export function parseIpv6(input: string): bigint | undefined {
  if (isIP(input) !== 6 || input.includes('%')) return undefined;
  let text = input.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    if (v4 === undefined) return undefined;
    text = text.slice(0, -dotted[1]!.length) + `${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function ip4(text: string): number {
  return parseIpv4(text)!;
}

function ip6(text: string): bigint {
  return parseIpv6(text)!;
}
