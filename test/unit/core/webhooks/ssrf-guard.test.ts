import { describe, expect, it } from 'vitest';
import {
  WebhookUrlError,
  checkWebhookUrl,
  classifyAddress,
  parseIpv4,
  resolveAllowedAddresses,
  type HostResolver,
  type SsrfPolicy,
} from '../../../../core/webhooks/ssrf-guard.ts';

const aws: SsrfPolicy = { requireHttps: true, allowLoopback: false };
const local: SsrfPolicy = { requireHttps: false, allowLoopback: true };

function refusal(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof WebhookUrlError) return error.code;
    throw error;
  }
}

async function asyncRefusal(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    if (error instanceof WebhookUrlError) return error.code;
    throw error;
  }
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['169.254.169.254', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.192', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['64:ff9b::7f00:1', 'translated'],
    ['64:ff9b::808:808', 'translated'],
    ['64:ff9b:1::1', 'translated'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'link_local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:808:808::1'])(
    '%s is public',
    (address) => {
      expect(classifyAddress(address)).toBe('public');
    },
  );

  it('parses every inet_aton form of IPv4', () => {
    expect(parseIpv4('2130706433')).toBe(0x7f000001);
    expect(parseIpv4('0177.0.0.1')).toBe(0x7f000001);
    expect(parseIpv4('0x7f.1')).toBe(0x7f000001);
    expect(parseIpv4('0x7f000001')).toBe(0x7f000001);
    expect(parseIpv4('127.1')).toBe(0x7f000001);
    expect(parseIpv4('127.0.1')).toBe(0x7f000001);
    expect(parseIpv4('017700000001')).toBe(0x7f000001);
    expect(parseIpv4('256.0.0.1')).toBeUndefined();
    expect(parseIpv4('1.2.3.4.5')).toBeUndefined();
    expect(parseIpv4('08.0.0.1')).toBeUndefined();
    expect(parseIpv4('example.com')).toBeUndefined();
    expect(classifyAddress('0x7f.1')).toBe('loopback');
    expect(classifyAddress('2852039166')).toBe('link_local');
  });
});

describe('checkWebhookUrl', () => {
  it.each([
    'https://127.0.0.1/hook',
    'https://2130706433/',
    'https://0177.0.0.1/',
    'https://0x7f.1/',
    'https://0x7f000001/',
    'https://127.1/',
    'https://%31%32%37.0.0.1/',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::ffff:7f00:1]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://10.0.0.5/',
    'https://192.168.0.10:8443/',
    'https://100.100.100.200/',
    'https://0/',
    'https://[::]/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://api.localhost/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://metadata/',
    'https://instance-data/',
    'https://printer.local/',
    'https://intranet/',
  ])('refuses %s', (url) => {
    expect(refusal(() => checkWebhookUrl(url, aws))).toBe('webhook_url_forbidden');
  });

  it('refuses what is not an http(s) URL, carries credentials, or is plain http where https is required', () => {
    expect(refusal(() => checkWebhookUrl('not a url', aws))).toBe('webhook_url_invalid');
    expect(refusal(() => checkWebhookUrl('ftp://example.com/', aws))).toBe('webhook_url_invalid');
    expect(refusal(() => checkWebhookUrl('file:///etc/passwd', aws))).toBe('webhook_url_invalid');
    expect(refusal(() => checkWebhookUrl('https://user:pw@example.com/', aws))).toBe('webhook_url_invalid');
    expect(refusal(() => checkWebhookUrl('http://example.com/', aws))).toBe('webhook_url_insecure');
    expect(refusal(() => checkWebhookUrl('http://example.com/', local))).toBeUndefined();
  });

  it('accepts public names and addresses', () => {
    expect(checkWebhookUrl('https://hooks.example.com/wa?x=1', aws).hostname).toBe('hooks.example.com');
    expect(refusal(() => checkWebhookUrl('https://8.8.8.8/', aws))).toBeUndefined();
    expect(refusal(() => checkWebhookUrl('https://[2606:4700:4700::1111]:8443/', aws))).toBeUndefined();
  });

  it('lets local mode reach loopback, and only loopback', () => {
    expect(refusal(() => checkWebhookUrl('http://127.0.0.1:9999/', local))).toBeUndefined();
    expect(refusal(() => checkWebhookUrl('http://localhost:9999/', local))).toBeUndefined();
    expect(refusal(() => checkWebhookUrl('http://[::1]:9999/', local))).toBeUndefined();
    expect(refusal(() => checkWebhookUrl('http://2130706433:9999/', local))).toBeUndefined();
    expect(refusal(() => checkWebhookUrl('http://10.0.0.1/', local))).toBe('webhook_url_forbidden');
    expect(refusal(() => checkWebhookUrl('http://169.254.169.254/', local))).toBe('webhook_url_forbidden');
    expect(refusal(() => checkWebhookUrl('http://metadata.google.internal/', local))).toBe('webhook_url_forbidden');
  });
});

describe('resolveAllowedAddresses', () => {
  const dns: Record<string, readonly { address: string; family: 4 | 6 }[]> = {
    'public.example.com': [{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }],
    'rebind.example.com': [{ address: '10.0.0.7', family: 4 }],
    'mixed.example.com': [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }],
    'meta.example.com': [{ address: '169.254.169.254', family: 4 }],
    'mapped.example.com': [{ address: '::ffff:192.168.0.1', family: 6 }],
    'loop.example.com': [{ address: '127.0.0.1', family: 4 }],
  };
  const resolver: HostResolver = async (host) => {
    const found = dns[host];
    if (!found) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return found;
  };

  it('returns every address of a public name', async () => {
    const addresses = await resolveAllowedAddresses(new URL('https://public.example.com/'), aws, resolver);
    expect(addresses.map((a) => a.address)).toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
  });

  it.each(['rebind.example.com', 'mixed.example.com', 'meta.example.com', 'mapped.example.com', 'loop.example.com'])(
    'refuses %s, which resolves to a refused address',
    async (host) => {
      expect(await asyncRefusal(() => resolveAllowedAddresses(new URL(`https://${host}/`), aws, resolver))).toBe('webhook_url_forbidden');
    },
  );

  it('allows a name resolving to loopback only when local mode allows loopback', async () => {
    expect(await asyncRefusal(() => resolveAllowedAddresses(new URL('http://loop.example.com/'), local, resolver))).toBeUndefined();
    expect(await asyncRefusal(() => resolveAllowedAddresses(new URL('http://mixed.example.com/'), local, resolver))).toBeUndefined();
    expect(await asyncRefusal(() => resolveAllowedAddresses(new URL('http://rebind.example.com/'), local, resolver))).toBe('webhook_url_forbidden');
  });

  it('reports a name that does not resolve', async () => {
    expect(await asyncRefusal(() => resolveAllowedAddresses(new URL('https://nowhere.example.com/'), aws, resolver))).toBe('webhook_url_unresolvable');
  });

  it('does not ask DNS for a literal address', async () => {
    const never: HostResolver = async () => {
      throw new Error('must not resolve');
    };
    expect(await resolveAllowedAddresses(new URL('https://8.8.8.8/'), aws, never)).toEqual([{ address: '8.8.8.8', family: 4 }]);
  });
});
