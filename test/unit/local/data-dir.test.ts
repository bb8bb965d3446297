import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_KEY_FILE, adminKey, lockDataDir, prepareDataDir, readStackInfo, writeStackInfo } from '../../../local/data-dir.ts';
import { StartupError } from '../../../local/startup-error.ts';

describe('data directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wa-fleet-data-'));
  });

  it('creates a missing directory, and names DATA_DIR when it cannot be written', () => {
    prepareDataDir(join(dir, 'nested', 'data'));
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(() => prepareDataDir(join(file, 'data'))).toThrow(StartupError);
    expect(() => prepareDataDir(join(file, 'data'))).toThrow(/not writable \(ENOTDIR\); set DATA_DIR/);
  });

  describe('admin key', () => {
    it('generates a key once, mode 0600, and returns the same one afterwards', () => {
      const first = adminKey(dir, undefined);
      expect(first.source).toBe('generated');
      expect(first.key.length).toBeGreaterThanOrEqual(24);
      expect(statSync(join(dir, ADMIN_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(adminKey(dir, undefined)).toEqual({ key: first.key, source: 'data-dir' });
    });

    it('prefers ADMIN_API_KEY and then writes nothing', () => {
      expect(adminKey(dir, 'x'.repeat(30))).toEqual({ key: 'x'.repeat(30), source: 'environment' });
      expect(() => readFileSync(join(dir, ADMIN_KEY_FILE))).toThrow();
    });
  });

  describe('lock', () => {
    it('refuses a second live stack and takes over a stale lock', () => {
      writeFileSync(join(dir, 'stack.pid'), String(process.ppid)); // our parent: surely alive
      expect(() => lockDataDir(dir)).toThrow(/another wa-fleet stack \(pid \d+\) is using the data directory/);

      writeFileSync(join(dir, 'stack.pid'), '999999999');
      const release = lockDataDir(dir);
      expect(readFileSync(join(dir, 'stack.pid'), 'utf8')).toBe(String(process.pid));
      release();
      expect(() => readFileSync(join(dir, 'stack.pid'))).toThrow();
    });
  });

  it('hands a joining runner the stack info only while that stack runs', () => {
    expect(() => readStackInfo(dir)).toThrow(/no running stack found/);
    const remove = writeStackInfo(dir, { pid: process.pid, apiUrl: 'http://127.0.0.1:1', runnerEnv: { A: 'b' }, runnerImports: [] });
    expect(statSync(join(dir, 'stack.json')).mode & 0o777).toBe(0o600);
    expect(readStackInfo(dir)).toMatchObject({ runnerEnv: { A: 'b' } });
    writeStackInfo(dir, { pid: 999999999, apiUrl: 'x', runnerEnv: {}, runnerImports: [] });
    expect(() => readStackInfo(dir)).toThrow(/is not running/);
    remove();
  });
});
