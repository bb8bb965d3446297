import { describe, expect, it, vi } from 'vitest';
import { LazyRecipientImports } from '../../../../core/campaigns/lazy-recipient-imports.ts';
import type { ImportUpload, RecipientImports } from '../../../../core/campaigns/recipient-imports.ts';

const upload: ImportUpload = { importId: 'i1', uploadUrl: 'https://imports/i1', expiresAt: '2025-06-10T10:15:00.000Z', maxBytes: 1024 };

function fakeImports(): RecipientImports {
  return {
    createUpload: vi.fn(async () => upload),
    open: vi.fn(async (_tenantId: string, importId: string) => (importId === 'i1' ? toStream('a,b') : undefined)),
  };
}

async function* toStream(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

describe('LazyRecipientImports', () => {
  it('builds the real imports only when first used, and once', async () => {
    const real = fakeImports();
    const load = vi.fn(async () => real);
    const imports = new LazyRecipientImports(load);
    expect(load).not.toHaveBeenCalled();

    const [first, second] = await Promise.all([imports.createUpload('t1'), imports.createUpload('t2')]);
    const opened = await imports.open('t1', 'i1');

    expect(load).toHaveBeenCalledTimes(1);
    expect([first, second]).toEqual([upload, upload]);
    expect(real.createUpload).toHaveBeenNthCalledWith(1, 't1');
    expect(real.createUpload).toHaveBeenNthCalledWith(2, 't2');
    expect(real.open).toHaveBeenCalledWith('t1', 'i1');
    expect(opened).toBeDefined();
    expect(await imports.open('t1', 'missing')).toBeUndefined();
  });

  it('does not remember a failed load: the next call tries again', async () => {
    const real = fakeImports();
    const load = vi.fn<() => Promise<RecipientImports>>().mockRejectedValueOnce(new Error('module not loadable')).mockResolvedValue(real);
    const imports = new LazyRecipientImports(load);

    await expect(imports.createUpload('t1')).rejects.toThrow('module not loadable');
    await expect(imports.createUpload('t1')).resolves.toEqual(upload);

    expect(load).toHaveBeenCalledTimes(2);
  });
});
