import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, hashesEqual, parseApiKey } from '../../../../core/tenants/api-key.ts';
import { newId } from '../../../../core/ids.ts';

describe('API keys', () => {
  const tenantId = newId();
  const keyId = newId();

  it('names tenant and key, carries 256 random bits, and stores only a SHA-256', () => {
    const { apiKey, hash } = generateApiKey({ tenantId, keyId });
    expect(apiKey).toMatch(new RegExp(`^waf_live_${tenantId}_${keyId}_[A-Za-z0-9_-]{43}$`));
    expect(hash).toBe(hashApiKey(apiKey));
    expect(hash).not.toContain(apiKey.slice(-43));
    expect(generateApiKey({ tenantId, keyId }).apiKey).not.toBe(apiKey);
  });

  it('parses its own keys and nothing else', () => {
    const { apiKey } = generateApiKey({ tenantId, keyId });
    expect(parseApiKey(apiKey)).toEqual({ tenantId, keyId });
    expect(parseApiKey(apiKey.slice(0, -1))).toBeUndefined();
    expect(parseApiKey(`${apiKey}x`)).toBeUndefined();
    expect(parseApiKey(apiKey.replace(tenantId, 'x'.repeat(26)))).toBeUndefined();
    expect(parseApiKey('waf_live_')).toBeUndefined();
  });

  it('compares digests in full, and refuses anything that is not a digest', () => {
    const hash = hashApiKey('a');
    expect(hashesEqual(hash, hashApiKey('a'))).toBe(true);
    expect(hashesEqual(hash, hashApiKey('b'))).toBe(false);
    expect(hashesEqual(hash, '')).toBe(false);
    expect(hashesEqual('zz', 'zz')).toBe(false);
  });
});
