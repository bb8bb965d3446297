/**
 * What a benchmark scenario hands back: named figures (with units), the method it used in words, and
 * notes. Figures are addressed as `scenario.key` by the targets and in the JSON results file.
 */

export interface Figure {
  readonly key: string;
  readonly label: string;
  readonly value: number | null;
  readonly unit: string;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  /** How it was measured, one sentence per line; printed and saved with the figures. */
  readonly method: readonly string[];
  readonly figures: readonly Figure[];
  readonly notes: readonly string[];
  readonly seconds: number;
  /** Set when the scenario could not finish; its figures are then partial or absent. */
  readonly error?: string;
}

export function figure(key: string, label: string, value: number | null | undefined, unit: string): Figure {
  return { key, label, value: value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? null : value, unit };
}

/** All figures of all scenarios by `scenario.key`. */
export function figureMap(results: readonly ScenarioResult[]): Map<string, Figure> {
  const map = new Map<string, Figure>();
  for (const result of results) for (const f of result.figures) map.set(`${result.id}.${f.key}`, f);
  return map;
}
