// The one real synth of the suite, as `npm run synth` does it: every function bundled by the local esbuild,
// CloudFormation's built-in template validation and cdk-nag on. Plus the runner image's build: the Docker
// context CDK stages holds only what .dockerignore lets in, and the runner bundles from it into one file
// that loads.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
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

  it('are single minified ESM files with source maps, the require banner, and the AWS SDK left to the runtime', () => {
    for (const [name, fn] of Object.entries(functions())) {
      const dir = functionAssetDir(fn);
      expect(readdirSync(dir).sort(), name).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER), name).toBe(true);
      expect(code, name).toMatch(/from\s*"@aws-sdk\/[a-z-]+"/);
      expect(code.length, name).toBeLessThan(3_000_000);
      const map = JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')) as { sourcesContent?: unknown };
      expect(map.sourcesContent, name).toBeUndefined();
    }
  });

  it('load and export `handler`, with the AWS SDK resolved as the Lambda runtime provides it', () => {
    const dirs = Object.entries(functions()).map(([name, fn]) => {
      const dir = path.join(scratch, `lambda-${name}`);
      mkdirSync(dir);
      copyFileSync(path.join(functionAssetDir(fn), 'index.mjs'), path.join(dir, 'index.mjs'));
      symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      return [name, dir] as const;
    });
    // One child process imports every bundle (as Lambda's runtime would, with the SDK on the module path).
    const script = `const out = {}; for (const [name, dir] of ${JSON.stringify(dirs)}) { out[name] = typeof (await import(dir + '/index.mjs')).handler; } process.stdout.write(JSON.stringify(out));`;
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
