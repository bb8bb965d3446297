/**
 * `npm run bench [-- --quick] [-- --only memory,send,failover,requests,bundle]`: measures wa-fleet's speed,
 * memory and cost on this machine against the issue-9 targets, prints a table per scenario with its method
 * and a verdict per target, and writes everything (method, machine, figures, verdicts) as JSON to
 * bench/results/. `--quick` runs each scenario at small scale (a few minutes on 2 cores); the full run
 * takes long (run it in the background). Paired devices are cached in bench/results/fixtures/, so only
 * the first run pays for pairing. Exit code: 0 when every scenario ran (targets missed or not), 1 when a
 * scenario failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SIZES, logDir } from './bench-context.ts';
import { describeMachine } from './report/machine.ts';
import { renderMachine, renderScenario, renderTargets } from './report/render.ts';
import { figureMap, type ScenarioResult } from './report/results.ts';
import { checkTargets } from './report/targets.ts';
import { SCENARIOS, runScenario } from './scenarios/registry.ts';
import { fixtureLayout, lockFixtureOrExit } from './support/credentials-fixture.ts';
import { SimProcess } from './support/sim-handle.ts';
import { build } from 'esbuild';
import { bundleRunner } from '../infra/runner-bundle.ts';

// Read when clients are created (not at import): quiet the SDK's Node-version notice and in-process logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    fixture: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const mode = values.quick ? 'quick' : 'full';
const only = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown?.length) {
  process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const fixture = fixtureLayout(values.fixture ?? join(resultsDir, 'fixtures', 'default'));
const machine = describeMachine(root);
const startedAt = new Date();
process.stdout.write(`${renderMachine(machine, mode)}\n`);

const log = (line: string) => process.stdout.write(`   … ${line}\n`);
const unlock = lockFixtureOrExit(fixture, 'bench');
const sim = await SimProcess.start({ stateDir: fixture.simStateDir });
const ctx = {
  mode,
  sizes: SIZES[mode],
  fixture,
  sim,
  resultsDir,
  root,
  log,
  logFile: (name: string) => join(logDir(resultsDir), `${name}.log`),
  runnerBundle: memoize(async () => {
    const outdir = join(resultsDir, 'bundle', 'runner');
    await bundleRunner({ projectRoot: root, outdir });
    const memoryProbe = join(outdir, 'memory-probe.mjs');
    await build({ entryPoints: [join(root, 'bench', 'support', 'memory-probe.ts')], outfile: memoryProbe, platform: 'node', format: 'esm', logLevel: 'warning' });
    return { main: join(outdir, 'main.mjs'), memoryProbe };
  }),
} as const;

const results: ScenarioResult[] = [];
try {
  for (const scenario of SCENARIOS) {
    if (only && !only.includes(scenario.name)) continue;
    process.stdout.write(`\n▶ ${scenario.name}\n`);
    for (const result of await runScenario(scenario, ctx)) {
      results.push(result);
      process.stdout.write(`${renderScenario(result)}\n`);
    }
  }
} finally {
  await sim.stop();
  unlock();
}

const checks = checkTargets(figureMap(results));
process.stdout.write(`${renderTargets(checks)}\n`);
const file = join(resultsDir, `bench-${mode}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
const report = {
  command: `npm run bench${values.quick ? ' -- --quick' : ''}${only ? ` -- --only ${only.join(',')}` : ''}`,
  mode,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  machine,
  sizes: SIZES[mode],
  scenarios: results,
  targets: checks.map((c) => ({ ...c.target, figures: undefined, verdict: c.verdict, values: c.values })),
};
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(resultsDir, `latest-${mode}.json`), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`\nresults: ${file}\n`);
process.exit(results.some((r) => r.error) ? 1 : 0);

function memoize<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
