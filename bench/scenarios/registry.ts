/**
 * The benchmark scenarios in run order, by the name `--only` takes. A scenario that throws yields a
 * result carrying the error (and no figures), so the others still run and the targets it feeds say
 * "not measured".
 */
import type { BenchContext } from '../bench-context.ts';
import type { ScenarioResult } from '../report/results.ts';
import { apiBundle } from './api-bundle.ts';
import { awsRequests } from './aws-requests.ts';
import { failover } from './failover.ts';
import { memoryLadder } from './memory-ladder.ts';
import { sendLatency } from './send-latency.ts';

export interface Scenario {
  readonly name: string;
  readonly title: string;
  readonly run: (ctx: BenchContext) => Promise<ScenarioResult | ScenarioResult[]>;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'bundle', title: '7. API Lambda bundle and cold init', run: apiBundle },
  { name: 'memory', title: '1-3. Memory, capacity and bring-up', run: memoryLadder },
  { name: 'send', title: '4. Send latency', run: sendLatency },
  { name: 'failover', title: '5. Failover', run: failover },
  { name: 'requests', title: '6. AWS requests per message', run: awsRequests },
];

export async function runScenario(scenario: Scenario, ctx: BenchContext): Promise<ScenarioResult[]> {
  const started = performance.now();
  try {
    const result = await scenario.run(ctx);
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    return [
      {
        id: scenario.name,
        title: scenario.title,
        method: [],
        figures: [],
        notes: [],
        seconds: (performance.now() - started) / 1000,
        error: (error as Error).stack ?? String(error),
      },
    ];
  }
}
