/**
 * `npm run chaos [-- --seed N] [-- --scenario a,b] [-- --short] [-- --list]`: seeded, reproducible fault
 * scenarios against several runner processes, the emulators and the WhatsApp simulator, each held to the
 * invariants of chaos/invariants.ts. Runs every scenario by default (one at production timings); `--short`
 * leaves that one out. Prints the timings used, a line per scenario and, for a failing one, how to replay
 * it; writes JSON to bench/results/chaos/. Exit code 1 when any invariant was violated.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fixtureLayout, lockFixtureOrExit } from '../bench/support/credentials-fixture.ts';
import { SimProcess } from '../bench/support/sim-handle.ts';
import { startEmulators } from '../local/emulators.ts';
import { PRODUCTION_TIMINGS, SHORT_TIMINGS } from './cluster.ts';
import { SCENARIOS, scenarioNamed } from './registry.ts';
import { playScenario, type ScenarioReport } from './scenario.ts';
import { SeededRandom } from './seeded-random.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    scenario: { type: 'string' },
    short: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(28)} ${s.profile.padEnd(10)} ${s.summary}\n`);
  process.exit(0);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(seed)) {
  process.stderr.write('chaos: --seed takes an integer\n');
  process.exit(2);
}
const names = values.scenario?.split(',').map((n) => n.trim()).filter(Boolean);
const unknown = names?.filter((n) => !scenarioNamed(n));
if (unknown?.length) {
  process.stderr.write(`chaos: unknown scenario ${unknown.join(', ')} (npm run chaos -- --list)\n`);
  process.exit(2);
}
const chosen = names ? names.map((n) => scenarioNamed(n)!) : SCENARIOS.filter((s) => !values.short || s.profile === 'short');

const resultsDir = join(root, 'bench', 'results', 'chaos');
const logs = join(resultsDir, 'logs');
mkdirSync(logs, { recursive: true });
const timingLine = (t: Readonly<Record<string, string>>) => Object.entries(t).map(([k, v]) => `${k}=${v}`).join(' ');
process.stdout.write(
  [
    `wa-fleet fault suite — seed ${seed} — ${new Date().toISOString()}`,
    `short timings:      ${timingLine(SHORT_TIMINGS)}`,
    `production timings: ${timingLine(PRODUCTION_TIMINGS)}`,
    `scenarios: ${chosen.map((s) => `${s.name} (${s.profile})`).join(', ')}`,
    '',
  ].join('\n'),
);

const fixture = fixtureLayout(join(resultsDir, 'fixture'));
const unlock = lockFixtureOrExit(fixture, 'chaos');
const emulators = await startEmulators();
const sim = await SimProcess.start({ stateDir: fixture.simStateDir });
const reports: ScenarioReport[] = [];
try {
  for (const scenario of chosen) {
    process.stdout.write(`\n▶ ${scenario.name}: ${scenario.summary}\n`);
    const rng = new SeededRandom(seed).fork(scenario.name);
    try {
      const report = await playScenario(scenario, {
        sim,
        fixture,
        endpoints: emulators.endpoints,
        rng,
        seed,
        logFile: (name) => join(logs, `${scenario.name}-${name}.log`),
        log: (line) => process.stdout.write(`   … ${line}\n`),
      });
      reports.push(report);
      printReport(report);
    } catch (error) {
      const report = failedToRun(scenario.name, scenario.profile, error);
      reports.push(report);
      printReport(report);
    }
  }
} finally {
  await sim.stop();
  await emulators.close();
  unlock();
}

const failed = reports.filter((r) => !r.passed);
process.stdout.write(`\n${reports.length - failed.length}/${reports.length} scenarios held every invariant (seed ${seed})\n`);
for (const r of failed) process.stdout.write(`  replay: npm run chaos -- --seed ${seed} --scenario ${r.scenario}\n`);
const file = join(resultsDir, `chaos-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ seed, timings: { short: SHORT_TIMINGS, production: PRODUCTION_TIMINGS }, reports }, null, 2)}\n`);
process.stdout.write(`results: ${file}\n`);
process.exit(failed.length > 0 ? 1 : 0);

function printReport(r: ScenarioReport): void {
  const commands = Object.entries(r.commands).map(([status, n]) => `${n} ${status}`).join(', ') || 'none';
  process.stdout.write(
    `  ${r.passed ? 'PASS' : 'FAIL'} ${r.scenario} (${r.profile} timings, ${r.seconds} s): recovered in ${r.recoveredInS ?? '—'} s (bound ${r.boundS} s); ` +
      `${r.accepted} commands accepted: ${commands}; overlaps ${r.overlaps} (allowed ${r.allowedOverlaps}); ${r.epochSamples} epoch samples\n`,
  );
  for (const note of r.notes) process.stdout.write(`     note: ${note}\n`);
  for (const violation of r.violations) process.stdout.write(`     VIOLATION: ${violation}\n`);
  if (!r.passed) process.stdout.write(`     replay: npm run chaos -- --seed ${r.seed} --scenario ${r.scenario}\n`);
}

function failedToRun(scenario: string, profile: ScenarioReport['profile'], error: unknown): ScenarioReport {
  return {
    scenario,
    seed,
    profile,
    timings: profile === 'short' ? SHORT_TIMINGS : PRODUCTION_TIMINGS,
    passed: false,
    violations: [`the scenario could not run: ${(error as Error).stack ?? String(error)}`],
    recoveredInS: null,
    boundS: 0,
    commands: {},
    accepted: 0,
    overlaps: 0,
    allowedOverlaps: 0,
    epochSamples: 0,
    notes: [],
    seconds: 0,
  };
}
