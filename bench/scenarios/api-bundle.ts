/**
 * Scenario 7: the API Lambda as deployed. Bundled with esbuild from the one definition the CDK construct also
 * uses (infra/lambda-bundling.ts: one minified ESM file for node22, the require banner, a source map, the
 * AWS SDK bundled in), then cold-started: a fresh `node` process (no tsx), with the functions' NODE_OPTIONS,
 * imports the bundle and handles one authenticated request that reads DynamoDB (`GET /v1/sessions`, against
 * the emulators). Timed inside that process: import + first request. The authorizer, built by the same
 * construct, is cold-started the same way on one tenant-key check.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_NODE_OPTIONS, lambdaBuildOptions } from '../../infra/lambda-bundling.ts';
import { systemClock } from '../../core/clock.ts';
import { DEFAULT_PACING } from '../../core/domain/session.ts';
import { newId } from '../../core/ids.ts';
import { SessionRepository } from '../../core/sessions/session-repository.ts';
import { generateApiKey, hashApiKey } from '../../core/tenants/api-key.ts';
import { TenantStore } from '../../core/tenants/tenant-store.ts';
import { matchResource, proxyEvent } from '../../local/gateway/proxy-event.ts';
import type { BenchContext } from '../bench-context.ts';
import { figure, type ScenarioResult } from '../report/results.ts';
import { startAwsWorld } from '../support/aws-world.ts';
import { MB, round, summarize } from '../support/stats.ts';

const COLD_STARTS = 7;

/**
 * Runs in the fresh process: plain ESM, no loader. Prints one JSON line; `outcome` is the API's status code
 * or the authorizer's policy effect.
 */
const HARNESS = `
const t0 = performance.now();
const { handler } = await import('./index.mjs');
const t1 = performance.now();
const event = JSON.parse(process.env.BENCH_EVENT);
const context = { awsRequestId: 'cold-1', functionName: 'api', getRemainingTimeInMillis: () => 30000, callbackWaitsForEmptyEventLoop: false };
const result = await handler(event, context);
const t2 = performance.now();
const outcome = result.statusCode ?? result.policyDocument?.Statement?.[0]?.Effect;
process.stdout.write(JSON.stringify({ importMs: t1 - t0, requestMs: t2 - t1, outcome, body: result.statusCode === 200 ? undefined : result.body }) + '\\n');
process.exit(0);
`;

interface ColdStart {
  readonly importMs: number;
  readonly requestMs: number;
  readonly totalMs: number;
  readonly processMs: number;
}

interface Built {
  readonly dir: string;
  readonly metafile: Metafile;
  /** All code files (entry + chunks), maps excluded. */
  readonly files: number;
  readonly sizeMB: number;
  /** The entry file and the chunks it imports statically: what a cold start loads before its first request. */
  readonly coldMB: number;
}

/** Builds `entry` exactly as the construct does (same options), plus the harness. */
async function buildFunction(ctx: BenchContext, name: string, entry: string): Promise<Built> {
  const dir = join(ctx.resultsDir, 'bundle', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { metafile } = await build({ ...lambdaBuildOptions(ctx.root, entry, dir), metafile: true, logLevel: 'silent' });
  writeFileSync(join(dir, 'harness.mjs'), HARNESS);
  const code = Object.entries(metafile.outputs).filter(([file]) => file.endsWith('.mjs'));
  return {
    dir,
    metafile,
    files: code.length,
    sizeMB: code.reduce((sum, [, output]) => sum + output.bytes, 0) / MB,
    coldMB: staticClosureBytes(metafile, ctx.root, join(dir, LAMBDA_BUNDLE.entryFile)) / MB,
  };
}

/** Output paths in the metafile are relative to the build's working directory, the project root. */
function staticClosureBytes(metafile: Metafile, root: string, entryFile: string): number {
  const entry = Object.keys(metafile.outputs).find((file) => resolve(root, file) === resolve(entryFile));
  const seen = new Set<string>();
  const pending = entry ? [entry] : [];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of metafile.outputs[file]!.imports) {
      if (imported.kind === 'import-statement' && metafile.outputs[imported.path]) pending.push(imported.path);
    }
  }
  return [...seen].reduce((sum, file) => sum + metafile.outputs[file]!.bytes, 0);
}

/** `COLD_STARTS` fresh processes, each importing the function and handling `event` once. */
async function coldStarts(built: Built, service: string, event: unknown, expected: number | string, env: Record<string, string>): Promise<ColdStart[]> {
  const runs: ColdStart[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    const spawnedAt = performance.now();
    // Asynchronous: the emulators answering the request live in this process.
    const run = await promisify(execFile)(process.execPath, ['harness.mjs'], {
      cwd: built.dir,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        ...env,
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        LOG_LEVEL: 'WARN',
        AWS_LAMBDA_FUNCTION_NAME: service,
        BENCH_EVENT: JSON.stringify(event),
      },
    });
    const processMs = performance.now() - spawnedAt;
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    let parsed: { importMs: number; requestMs: number; outcome: number | string; body?: string };
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${service} cold start ${i + 1} printed no result: ${run.stderr.slice(0, 500)}`);
    }
    if (parsed.outcome !== expected) throw new Error(`${service} cold start answered ${parsed.outcome}: ${parsed.body ?? ''} ${run.stdout.slice(0, 1500)}`);
    runs.push({ importMs: parsed.importMs, requestMs: parsed.requestMs, totalMs: parsed.importMs + parsed.requestMs, processMs });
  }
  return runs;
}

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
  const api = await buildFunction(ctx, 'api', 'lambdas/api/handler.ts');
  const authorizer = await buildFunction(ctx, 'authorizer', 'lambdas/api/authorizer.ts');

  const world = await startAwsWorld({ slotCount: 2 });
  let runs: ColdStart[];
  let authorizerRuns: ColdStart[];
  let sendRuns: ColdStart[];
  try {
    const event = proxyEvent(
      { method: 'GET', url: '/v1/sessions?limit=10', rawHeaders: ['Authorization', 'Bearer (checked by the authorizer)'], body: Buffer.alloc(0), sourceIp: '127.0.0.1', requestId: 'bench', receivedAt: Date.now(), port: 443 },
      matchResource('/v1/sessions', ['/openapi.json', '/docs']),
      { tenantId: 'bench', keyId: 'k1', role: 'tenant' },
    );
    runs = await coldStarts(api, 'api', event, 200, world.env);

    // A send as the first request: accepted (202) for a session that exists, loading the phone-number chunk.
    const session = { tenantId: newId(), sessionId: newId() };
    await new SessionRepository(world.table('sessions'), systemClock).create({ ...session, name: 'bench', pacing: DEFAULT_PACING });
    const sendPath = `/v1/sessions/${session.sessionId}/messages`;
    const sendEvent = proxyEvent(
      { method: 'POST', url: sendPath, rawHeaders: ['Authorization', 'Bearer (checked by the authorizer)', 'Content-Type', 'application/json'], body: Buffer.from(JSON.stringify({ to: '+4915112345678', type: 'text', text: 'cold' })), sourceIp: '127.0.0.1', requestId: 'bench-send', receivedAt: Date.now(), port: 443 },
      matchResource(sendPath, ['/openapi.json', '/docs']),
      { tenantId: session.tenantId, keyId: 'k1', role: 'tenant' },
    );
    sendRuns = await coldStarts(api, 'api', sendEvent, 202, world.env);

    // The authorizer verifies a real tenant key: one consistent GetItem on the tenants table.
    const key = { tenantId: newId(), keyId: newId() };
    const { apiKey, hash } = generateApiKey(key);
    await new TenantStore(world.table('tenants'), systemClock).createKey({ ...key, hash });
    const authorizerEvent = { type: 'REQUEST', methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/v1/sessions', headers: { Authorization: `Bearer ${apiKey}` } };
    authorizerRuns = await coldStarts(authorizer, 'api-authorizer', authorizerEvent, 'Allow', { ...world.env, ADMIN_API_KEY_SHA256: hashApiKey(`bench-admin-${apiKey}`) });
  } finally {
    await world.close();
  }
  const total = summarize(runs.map((r) => r.totalMs));
  const imports = summarize(runs.map((r) => r.importMs));
  const requests = summarize(runs.map((r) => r.requestMs));
  const processes = summarize(runs.map((r) => r.processMs));
  const authorizerTotal = summarize(authorizerRuns.map((r) => r.totalMs));
  const sendTotal = summarize(sendRuns.map((r) => r.totalMs));
  return {
    id: 'bundle',
    title: '7. API Lambda bundle and cold init',
    method: [
      `esbuild with the options the CDK construct deploys (infra/lambda-bundling.ts: ESM, ${LAMBDA_BUNDLE.target}, minify, source maps without sources, externals: ${LAMBDA_BUNDLE.externalModules.join(', ') || 'none, the AWS SDK bundled in'}, lazily imported modules split into ${LAMBDA_BUNDLE.chunkDir}/);`,
      `cold init = import of ${LAMBDA_BUNDLE.entryFile} + one GET /v1/sessions (rate limiter update + DynamoDB query, against the emulators) in a fresh node process with NODE_OPTIONS=${JSON.stringify(LAMBDA_NODE_OPTIONS)}, median of ${COLD_STARTS}; routes that need more (phone numbers, S3, Idempotency-Key, docs) load their chunks on first use.`,
      `the same with a send as the first request: POST /v1/sessions/{id}/messages, accepted (202) for a session without an owner (the command recorded queued).`,
      `authorizer: the same, verifying one tenant key (one consistent GetItem).`,
    ],
    figures: [
      figure('sizeMB', `bundle size (${api.files} .mjs files, maps excluded)`, round(api.sizeMB, 3), 'MB'),
      figure('coldMB', `  loaded at cold start (${LAMBDA_BUNDLE.entryFile} and the chunks it imports statically)`, round(api.coldMB, 3), 'MB'),
      figure('coldInitMs', 'cold init: import + first request (median)', round(total.p50, 0), 'ms'),
      figure('importMs', '  import (median)', round(imports.p50, 0), 'ms'),
      figure('firstRequestMs', '  first request (median)', round(requests.p50, 0), 'ms'),
      figure('coldInitMaxMs', 'cold init, slowest run', round(total.max, 0), 'ms'),
      figure('coldInitSendMs', 'cold init with a send as first request (median)', round(sendTotal.p50, 0), 'ms'),
      figure('processMs', 'whole process incl. node start-up (median)', round(processes.p50, 0), 'ms'),
      figure('authorizerSizeMB', `authorizer bundle size (${authorizer.files} .mjs files)`, round(authorizer.sizeMB, 3), 'MB'),
      figure('authorizerColdInitMs', 'authorizer cold init: import + one key check (median)', round(authorizerTotal.p50, 0), 'ms'),
    ],
    notes: [`largest in the API bundle: ${largestInputs(api.metafile, 6).join(', ')}`],
    seconds: (performance.now() - started) / 1000,
  };
}
