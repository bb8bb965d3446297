// The one real synth of the suite, as `npm run synth` does it: every function bundled by the local esbuild,
// CloudFormation's built-in template validation and cdk-nag on. Plus the runner image's build: the Docker
// context CDK stages holds only what .dockerignore lets in, and the runner bundles from it into one file
// that loads.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack } from 'aws-cdk-lib';
import { ESM_REQUIRE_BANNER } from '../../infra/esm-banner.ts';
import { PROJECT_ROOT } from '../../infra/fleet.ts';
import { bundleRunner } from '../../infra/runner-bundle.ts';
import { synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

let synthesized: SynthesizedFleet;
const scratch = mkdtempSync(path.join(tmpdir(), 'wa-fleet-bundle-'));

beforeAll(() => {
  synthesized = synthFleet({ bundle: true, validate: true, nag: true });
}, 120_000);
afterAll(() => {
  synthesized?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** The staged asset directory of a function's code. */
function functionAssetDir(fn: Parameters<SynthesizedFleet['logicalId']>[0]): string {
  const template = synthesized.assembly.getStackByName(Stack.of(fn).stackName).template;
  const key = template.Resources[synthesized.logicalId(fn)].Properties.Code.S3Key as string;
  return path.join(synthesized.assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
}

describe('function bundles', () => {
  const functions = () => ({
    api: synthesized.fleet.api.apiFunction,
    authorizer: synthesized.fleet.api.authorizerFunction,
    webhooks: synthesized.fleet.workers.webhooksFunction,
    webhookRetry: synthesized.fleet.workers.webhookRetryFunction,
    scheduler: synthesized.fleet.workers.schedulerFunction,
    alarms: synthesized.fleet.observability.alarmsFunction,
  });
  /** Each function's handler file: its bundle must be built from it (and from no other function's). */
  const entries: Record<string, string> = {
    api: 'lambdas/api/handler.ts',
    authorizer: 'lambdas/api/authorizer.ts',
    webhooks: 'lambdas/webhooks/handler.ts',
    webhookRetry: 'lambdas/webhooks/retry.handler.ts',
    scheduler: 'lambdas/scheduler/handler.ts',
    alarms: 'lambdas/alarms/handler.ts',
  };

  it('are minified ESM (an entry file plus lazily loaded chunks) with source maps, the require banner, and the AWS SDK bundled in', () => {
    for (const [name, fn] of Object.entries(functions())) {
      const dir = functionAssetDir(fn);
      const entry = entries[name];
      expect(readdirSync(dir).filter((file) => file !== 'chunks').sort(), name).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER), name).toBe(true);
      const sources = (JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')) as { sources: string[] }).sources;
      expect(sources.some((source) => source.endsWith(`/${entry}`)), `${name} is built from ${entry}`).toBe(true);
      // Module specifiers after `from` / `import(` (the pattern also meets strings like `from":r,"`: skipped).
      const imported = [...code.matchAll(/(?:\bfrom|\bimport\()\s*"([\w@.][\w@./:-]*)"/g)].map((match) => match[1]!);
      expect(imported.length, name).toBeGreaterThan(0);
      // Node built-ins and the function's own chunks only: no package is looked up at run time.
      expect(imported.filter((specifier) => !/^(node:|\.\/)/.test(specifier)), name).toEqual([]);
      expect(code.length, name).toBeLessThan(3_000_000);
      const map = JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent, name).toBeUndefined();
    }
  });

  it('are built one per function (CDK stages each from its own bundle)', () => {
    const dirs = Object.values(functions()).map((fn) => functionAssetDir(fn));

    expect(new Set(dirs).size).toBe(dirs.length);
  });

  it('keep the API function within its size budget (issue 9 target 7a: 1.5 MB of code)', () => {
    const dir = functionAssetDir(functions().api);
    const code = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.mjs'));
    const bytes = code.reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);

    expect(code.length).toBeGreaterThan(1);
    expect(bytes / (1024 * 1024)).toBeLessThanOrEqual(1.5);
  });

  it('leave out of the API entry file what only some routes use, for the chunks a route imports on first use', () => {
    const dir = functionAssetDir(functions().api);
    const sources = (file: string) => (JSON.parse(readFileSync(path.join(dir, `${file}.map`), 'utf8')) as { sources: string[] }).sources.join('\n');
    const chunks = readdirSync(path.join(dir, 'chunks')).filter((file) => file.endsWith('.mjs'));
    const lazy = [
      'node_modules/libphonenumber-js/',
      'node_modules/qrcode/',
      'node_modules/@asteasolutions/zod-to-openapi/',
      'node_modules/@aws-sdk/client-s3/',
      'node_modules/@aws-lambda-powertools/idempotency/',
      'core/campaigns/create-campaign.ts',
    ];

    const entry = sources('index.mjs');
    const split = chunks.map((file) => sources(`chunks/${file}`)).join('\n');
    expect(entry).toContain('lambdas/api/handler.ts');
    for (const module of lazy) {
      expect(entry, module).not.toContain(module);
      expect(split, module).toContain(module);
    }
  });

  /** Every source file a function's bundle (entry and chunks) was built from, per its source maps. */
  function bundledSources(fn: Parameters<typeof functionAssetDir>[0]): string {
    const dir = functionAssetDir(fn);
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.mjs.map'))
      .map((file) => (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { sources: string[] }).sources.join('\n'))
      .join('\n');
  }
  const sdk = (client: string) => `node_modules/@aws-sdk/client-${client}/`;

  it('give the authorizer the DynamoDB client only', () => {
    const sources = bundledSources(functions().authorizer);
    expect(sources).toContain(sdk('dynamodb'));
    expect(sources).not.toContain(sdk('s3'));
    expect(sources).not.toContain(sdk('sqs'));
  });

  it('leave the S3 client out of the delivery, scheduler and alarm functions (none of them uses it)', () => {
    const { webhooks, webhookRetry, scheduler, alarms } = functions();
    for (const fn of [webhooks, webhookRetry, scheduler]) {
      const sources = bundledSources(fn);
      expect(sources).toContain(sdk('dynamodb'));
      expect(sources).toContain(sdk('sqs'));
      expect(sources).not.toContain(sdk('s3'));
    }
    const alarmSources = bundledSources(alarms);
    expect(alarmSources).toContain(sdk('sqs'));
    expect(alarmSources).not.toContain(sdk('s3'));
  });

  it('load and export `handler` with no node_modules at all, and every lazily loaded chunk resolves', () => {
    const dirs = Object.entries(functions()).map(([name, fn]) => {
      const dir = path.join(scratch, `lambda-${name}`);
      cpSync(functionAssetDir(fn), dir, { recursive: true });
      const chunks = existsSync(path.join(dir, 'chunks')) ? readdirSync(path.join(dir, 'chunks')).filter((file) => file.endsWith('.mjs')) : [];
      return [name, dir, chunks] as const;
    });
    // One child process imports every bundle and chunk, from directories outside the project (no node_modules
    // to find), as Lambda's runtime would.
    const script = `const out = {}; for (const [name, dir, chunks] of ${JSON.stringify(dirs)}) { out[name] = typeof (await import(dir + '/index.mjs')).handler; for (const chunk of chunks) await import(dir + '/chunks/' + chunk); } process.stdout.write(JSON.stringify(out));`;
    const load = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
    });

    expect(JSON.parse(load.stdout || '{}'), load.stderr).toEqual(Object.fromEntries(dirs.map(([name]) => [name, 'function'])));
  });
});

describe('runner image build', () => {
  const dockerContext = () => {
    const manifest = JSON.parse(readFileSync(path.join(synthesized.assembly.directory, `${synthesized.fleet.runner.artifactId}.assets.json`), 'utf8'));
    const image = Object.values(manifest.dockerImages as Record<string, { source: { directory: string } }>)[0]!;
    return path.join(synthesized.assembly.directory, image.source.directory);
  };

  it('stages a Docker context holding only what the runner build reads', () => {
    const context = dockerContext();
    expect(readdirSync(context).sort()).toEqual(['.dockerignore', 'core', 'infra', 'package-lock.json', 'package.json', 'socket-runner', 'tsconfig.json', 'types']);
    expect(readdirSync(path.join(context, 'infra')).sort()).toEqual(['esm-banner.ts', 'runner-bundle.ts']);
    expect(existsSync(path.join(context, 'socket-runner', 'Dockerfile'))).toBe(true);
  });

  it('bundles Baileys and the AWS SDK into one ESM file that runs without node_modules', async () => {
    const outdir = path.join(scratch, 'probe');
    await bundleRunner({ projectRoot: PROJECT_ROOT, outdir, entry: 'test/infra/fixtures/baileys-probe.ts' });
    expect(readdirSync(outdir).sort()).toEqual(['main.mjs', 'main.mjs.map']);

    const run = spawnSync(process.execPath, ['main.mjs'], { cwd: outdir, encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH } });

    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      makeWASocket: 'function',
      loggedOut: 401,
      browser: 'Mac OS',
      registrationId: 'number',
      proto: 'function',
      dynamo: 'function',
      metrics: 'function',
    });
  });

  it('bundles socket-runner/main.ts from the staged context into a file whose every module resolves', async () => {
    const context = dockerContext();
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(context, 'node_modules'), 'dir'); // what `npm ci` provides
    const outdir = path.join(scratch, 'runner');
    await bundleRunner({ projectRoot: context, outdir });

    // Started with no configuration it must fail on its config (or keep running), never on a missing module.
    const run = spawnSync(process.execPath, ['main.mjs'], {
      cwd: outdir,
      encoding: 'utf8',
      timeout: 15_000,
      env: { PATH: process.env.PATH, HEALTH_PORT: '0', LOG_LEVEL: 'ERROR' },
    });
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)|Dynamic require of/);
  });
});
