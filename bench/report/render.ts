/**
 * The printed report: one table of figures per scenario with its method, then the targets with a verdict
 * each. A missed or unmeasured target is named, never folded away.
 */
import type { MachineInfo } from './machine.ts';
import type { ScenarioResult } from './results.ts';
import type { TargetCheck } from './targets.ts';

function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'n/a';
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)));
  return rows.map((row) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n');
}

export function renderMachine(machine: MachineInfo, mode: string): string {
  return [
    `wa-fleet benchmarks (${mode}) — ${new Date().toISOString()}`,
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGB} GB, load ${machine.loadAverage.join(' ')}; ${machine.os}; node ${machine.node}; commit ${machine.commit}`,
    `packages: ${Object.entries(machine.packages)
      .map(([name, version]) => `${name}@${version}`)
      .join(', ')}`,
  ].join('\n');
}

export function renderScenario(result: ScenarioResult): string {
  const lines = [`\n## ${result.title} (${result.seconds.toFixed(0)} s)`];
  for (const line of result.method) lines.push(`   method: ${line}`);
  if (result.figures.length > 0) {
    lines.push(
      table(result.figures.map((f) => ['  ', f.label, formatValue(f.value, f.unit)])),
    );
  }
  for (const note of result.notes) lines.push(`   note: ${note}`);
  if (result.error) lines.push(`   FAILED: ${result.error}`);
  return lines.join('\n');
}

export function renderTargets(checks: readonly TargetCheck[]): string {
  const rows: string[][] = [['', 'target', 'limit', 'measured', 'verdict']];
  for (const check of checks) {
    const { target } = check;
    const measured = check.values.length ? check.values.map((v) => formatValue(v.value, target.unit)).join(', ') : 'n/a';
    rows.push([target.id, target.description, `${target.op} ${target.limit} ${target.unit}`, measured, `${check.verdict.toUpperCase()}${check.reason ? ` (${check.reason})` : ''}`]);
  }
  const missed = checks.filter((c) => c.verdict !== 'met');
  const summary = missed.length
    ? `targets not met: ${missed.map((c) => `${c.target.id} (${c.verdict})`).join(', ')}`
    : 'every target met';
  return `\n## Targets\n${table(rows)}\n${summary}`;
}
