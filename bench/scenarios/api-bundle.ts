/**
 * Scenario 7: the API Lambda as deployed. Bundled with esbuild using the options of the CDK construct
 * (infra/constructs/wa-function.ts: one minified ESM file for node22, the require banner, source maps,
 * the AWS SDK left to the runtime), then cold-started: a fresh `node` process (no tsx), with the Lambda's
 * NODE_OPTIONS, imports the bundle and handles one authenticated request that reads DynamoDB
 * (`GET /v1/sessions`, against the emulators). Timed inside that process: import + first request.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ESM_REQUIRE_BANNER } from '../../infra/esm-banner.ts';
import { matchResource, proxyEvent } from '../../local/gateway/proxy-event.ts';
import type { BenchContext } from '../bench-context.ts';
import { figure, type ScenarioResult } from '../report/results.ts';
import { startAwsWorld } from '../support/aws-world.ts';
import { MB, round, summarize } from '../support/stats.ts';

const COLD_STARTS = 7;

/** Runs in the fresh process: plain ESM, no loader. Prints one JSON line. */
const HARNESS = `
const t0 = performance.now();
const { handler } = await import('./index.mjs');
const t1 = performance.now();
const event = JSON.parse(process.env.BENCH_EVENT);
const context = { awsRequestId: 'cold-1', functionName: 'api', getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: false };
const result = await handler(event, context);
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, requestMs: t2 - t1, status: result.statusCode, body: result.statusCode === 200 ? undefined : result.body }) + '\\n');
process.exit(0);
`;

/** The same process start, importing only the AWS SDK packages the bundle leaves to the runtime. */
function sdkHarness(packages: readonly string[]): string {
  return `
const t0 = performance.now();
${packages.map((name) => `await import('${name}');`).join('\n')}
process.stdout.write(JSON.stringify({ importMs: performance.now() - t0 }) + '\\n');
`;
}

export async function apiBundle(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const outdir = join(ctx.resultsDir, 'bundle', 'api');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(ctx.root, 'lambdas/api/handler.ts')],
    outfile: join(outdir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*'],
    tsconfig: join(ctx.root, 'tsconfig.json'),
    logLevel: 'silent',
  });
  writeFileSync(join(outdir, 'harness.mjs'), HARNESS);
  const bundleText = readFileSync(join(outdir, 'index.mjs'), 'utf8');
  const sdkPackages = [...new Set([...bundleText.matchAll(/from\s*"(@aws-sdk\/[a-z0-9-]+)"/g)].map((m) => m[1]!))];
  writeFileSync(join(outdir, 'sdk-harness.mjs'), sdkHarness(sdkPackages));
  const sizeMB = statSync(join(outdir, 'index.mjs')).size / MB;

  const world = await startAwsWorld({ slotCount: 2 });
  const runs: { importMs: number; requestMs: number; totalMs: number; processMs: number }[] = [];
  const sdkRuns: number[] = [];
  try {
    const event = proxyEvent(
      { method: 'GET', url: '/v1/sessions?limit=10', rawHeaders: ['Authorization', 'Bearer (checked by the authorizer)'], body: Buffer.alloc(0), sourceIp: '127.0.0.1', requestId: 'bench', receivedAt: Date.now(), port: 443 },
      matchResource('/v1/sessions', ['/openapi.json', '/docs']),
      { tenantId: 'bench', keyId: 'k1', role: 'tenant' },
    );
    for (let i = 0; i < COLD_STARTS; i++) {
      const spawnedAt = performance.now();
      // Asynchronous: the emulators answering the request live in this process.
      const run = await promisify(execFile)(process.execPath, ['--enable-source-maps', 'harness.mjs'], {
        cwd: outdir,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          ...world.env,
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'api',
          POWERTOOLS_LOG_LEVEL: 'WARN',
          LOG_LEVEL: 'WARN',
          AWS_LAMBDA_FUNCTION_NAME: 'api',
          BENCH_EVENT: JSON.stringify(event),
        },
      });
      const processMs = performance.now() - spawnedAt;
      const line = run.stdout.trim().split('\n').at(-1) ?? '';
      let parsed: { importMs: number; requestMs: number; status: number; body?: string };
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`cold start ${i + 1} printed no result: ${run.stderr.slice(0, 500)}`);
      }
      if (parsed.status !== 200) throw new Error(`cold start request answered ${parsed.status}: ${parsed.body ?? ''} ${run.stdout.slice(0, 1500)}`);
      runs.push({ ...parsed, totalMs: parsed.importMs + parsed.requestMs, processMs });
      const sdk = await promisify(execFile)(process.execPath, ['--enable-source-maps', 'sdk-harness.mjs'], { cwd: outdir, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH } });
      sdkRuns.push((JSON.parse(sdk.stdout.trim()) as { importMs: number }).importMs);
    }
  } finally {
    await world.close();
  }
  const total = summarize(runs.map((r) => r.totalMs));
  const imports = summarize(runs.map((r) => r.importMs));
  const requests = summarize(runs.map((r) => r.requestMs));
  const processes = summarize(runs.map((r) => r.processMs));
  return {
    id: 'bundle',
    title: '7. API Lambda bundle and cold init',
    method: [
      'esbuild with the CDK construct options (ESM, node22, minify, source maps without sources, @aws-sdk/* external);',
      `cold init = import of the bundle + one GET /v1/sessions (DynamoDB query, rate limiter) in a fresh node process with NODE_OPTIONS=--enable-source-maps, median of ${COLD_STARTS}; the AWS SDK is loaded from node_modules as the Lambda runtime provides it.`,
    ],
    figures: [
      figure('sizeMB', 'bundle size (index.mjs)', round(sizeMB, 3), 'MB'),
      figure('coldInitMs', 'cold init: import + first request (median)', round(total.p50, 0), 'ms'),
      figure('importMs', '  import (median)', round(imports.p50, 0), 'ms'),
      figure('firstRequestMs', '  first request (median)', round(requests.p50, 0), 'ms'),
      figure('sdkImportMs', `  the AWS SDK packages alone (${sdkPackages.length}, median)`, round(summarize(sdkRuns).p50, 0), 'ms'),
      figure('coldInitMaxMs', 'cold init, slowest run', round(total.max, 0), 'ms'),
      figure('processMs', 'whole process incl. node start-up (median)', round(processes.p50, 0), 'ms'),
    ],
    notes: [],
    seconds: (performance.now() - started) / 1000,
  };
}
