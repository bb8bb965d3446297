/**
 * Every fault scenario, in run order. `quick` ones make up the default short run and the subset that
 * runs in `npm test` picks from them; the production-timings scenario runs in the full run only.
 */
import type { ChaosScenario } from './scenario.ts';
import { clockJump } from './scenarios/clock-jump.ts';
import { credsWriteLost, dynamoCut, renewalResponseLost, whatsappCut } from './scenarios/network-faults.ts';
import { halfKilled, ownerFrozen, ownerSigkill, productionSigkill, sigtermThenSigkill } from './scenarios/process-faults.ts';
import { duplicateAndPoison, slowSendVisibility } from './scenarios/queue-faults.ts';

export const SCENARIOS: readonly ChaosScenario[] = [
  ownerSigkill,
  ownerFrozen,
  dynamoCut,
  whatsappCut,
  renewalResponseLost,
  credsWriteLost,
  duplicateAndPoison,
  slowSendVisibility,
  sigtermThenSigkill,
  halfKilled,
  clockJump,
  productionSigkill,
];

export function scenarioNamed(name: string): ChaosScenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
