/**
 * Scenario 7: the API Lambda as deployed. Bundled with esbuild from the one definition the CDK construct also
 * uses (infra/lambda-bundling.ts: one minified ESM file for node22, the require banner, a source map, the
 * AWS SDK bundled in), then cold-started: a fresh `node` process (no tsx), with the functions' NODE_OPTIONS,
 * imports the bundle and handles one authenticated request that reads DynamoDB (`GET /v1/sessions`, against
 * the emulators). Timed inside that process: import + first request.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_NODE_OPTIONS, lambdaBuildOptions } from '../../infra/lambda-bundling.ts';
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

/** The largest packages (or source folders) in the bundle, by bytes of output: where the size goes. */
function largestInputs(metafile: Metafile, count: number): string[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, input] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
      const name = match ? match[1]! : file.split('/').slice(0, 2).join('/');
      bytes.set(name, (bytes.get(name) ?? 0) + input.bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, size]) => `${name} ${Math.round(size / 1024)} KB`);
}

export async function apiBundle(ctx: BenchContext): Promise<ScenarioResult> {
  const started = performance.now();
  const outdir = join(ctx.resultsDir, 'bundle', 'api');
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const { metafile } = await build({ ...lambdaBuildOptions(ctx.root, 'lambdas/api/handler.ts', outdir), metafile: true, logLevel: 'silent' });
  writeFileSync(join(outdir, 'harness.mjs'), HARNESS);
  const code = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
  const sizeMB = code.reduce((sum, [, output]) => sum + output.bytes, 0) / MB;
  const entryMB = statSync(join(outdir, LAMBDA_BUNDLE.entryFile)).size / MB;

  const world = await startAwsWorld({ slotCount: 2 });
  const runs: { importMs: number; requestMs: number; totalMs: number; processMs: number }[] = [];
  try {
    const event = proxyEvent(
      { method: 'GET', url: '/v1/sessions?limit=10', rawHeaders: ['Authorization', 'Bearer (checked by the authorizer)'], body: Buffer.alloc(0), sourceIp: '127.0.0.1', requestId: 'bench', receivedAt: Date.now(), port: 443 },
      matchResource('/v1/sessions', ['/openapi.json', '/docs']),
      { tenantId: 'bench', keyId: 'k1', role: 'tenant' },
    );
    for (let i = 0; i < COLD_STARTS; i++) {
      const spawnedAt = performance.now();
      // Asynchronous: the emulators answering the request live in this process.
      const run = await promisify(execFile)(process.execPath, ['harness.mjs'], {
        cwd: outdir,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          ...world.env,
          NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
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
      `esbuild with the options the CDK construct deploys (infra/lambda-bundling.ts: ESM, ${LAMBDA_BUNDLE.target}, minify, source maps without sources, externals: ${LAMBDA_BUNDLE.externalModules.join(', ') || 'none, the AWS SDK bundled in'}, lazily imported modules split into ${LAMBDA_BUNDLE.chunkDir}/);`,
      `cold init = import of the bundle + one GET /v1/sessions (rate limiter update + DynamoDB query, against the emulators) in a fresh node process with NODE_OPTIONS=${JSON.stringify(LAMBDA_NODE_OPTIONS)}, median of ${COLD_STARTS}.`,
    ],
    figures: [
      figure('sizeMB', `bundle size (${code.length} .mjs files, maps excluded)`, round(sizeMB, 3), 'MB'),
      figure('entryMB', `  ${LAMBDA_BUNDLE.entryFile}, loaded at cold start`, round(entryMB, 3), 'MB'),
      figure('coldInitMs', 'cold init: import + first request (median)', round(total.p50, 0), 'ms'),
      figure('importMs', '  import (median)', round(imports.p50, 0), 'ms'),
      figure('firstRequestMs', '  first request (median)', round(requests.p50, 0), 'ms'),
      figure('coldInitMaxMs', 'cold init, slowest run', round(total.max, 0), 'ms'),
      figure('processMs', 'whole process incl. node start-up (median)', round(processes.p50, 0), 'ms'),
    ],
    notes: [`largest in the bundle: ${largestInputs(metafile, 6).join(', ')}`],
    seconds: (performance.now() - started) / 1000,
  };
}
