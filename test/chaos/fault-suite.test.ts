// The short seeded subset of the fault suite (npm run chaos has them all): real runner processes,
// the emulators and the simulator, a fault, then every invariant of chaos/invariants.ts. Negative
// controls first: the checks must see a second live socket and an epoch going down when there is one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BaileysFleet } from '../../bench/support/baileys-fleet.ts';
import { fixtureLayout, type FixtureLayout } from '../../bench/support/credentials-fixture.ts';
import { SimProcess } from '../../bench/support/sim-handle.ts';
import { authPartition, CREDS_SK } from '../../socket-runner/auth/auth-store.ts';
import { ChaosCluster } from '../../chaos/cluster.ts';
import { EpochWatch, finalChecks, overlapCounts } from '../../chaos/invariants.ts';
import { dynamoCut, renewalResponseLost } from '../../chaos/scenarios/network-faults.ts';
import { ownerSigkill } from '../../chaos/scenarios/process-faults.ts';
import { playScenario, sleep, type ChaosScenario } from '../../chaos/scenario.ts';
import { SeededRandom } from '../../chaos/seeded-random.ts';

const SEED = 20_240_611;
let dir: string;
let fixture: FixtureLayout;
let sim: SimProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wa-fleet-chaos-'));
  fixture = fixtureLayout(dir);
  sim = await SimProcess.start({ stateDir: fixture.simStateDir });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const small = (scenario: ChaosScenario): ChaosScenario => ({ ...scenario, runners: 2, sessions: 4 });

async function play(scenario: ChaosScenario) {
  return playScenario(small(scenario), {
    sim,
    fixture,
    endpoints: inject('emulators'),
    rng: new SeededRandom(SEED).fork(scenario.name),
    seed: SEED,
    logFile: () => undefined,
  });
}

describe('the invariant checks (negative controls)', () => {
  let cluster: ChaosCluster;

  beforeAll(async () => {
    cluster = await ChaosCluster.start({ sim, fixture, runners: 2, sessions: 4, profile: 'short', endpoints: inject('emulators'), logFile: () => undefined });
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
  }, 60_000);

  it('sees an epoch go down', async () => {
    const watch = new EpochWatch(cluster);
    watch.start(100);
    await sleep(300);
    const session = cluster.sessions[0]!;
    await cluster.world.table('auth').update({ pk: authPartition(cluster.tenant.tenantId, session.sessionId), sk: CREDS_SK }, { set: { epoch: 0 } });
    await sleep(300);
    await watch.stop();

    expect(watch.violations.some((v) => v.startsWith('epochs only rise: creds'))).toBe(true);
  });

  it('sees a second live socket for a session', async () => {
    const before = await overlapCounts(cluster);
    const rogue = BaileysFleet.start(sim);
    try {
      const held = await rogue.hold([cluster.sessions[1]!.phone], fixture.authDir, 1);
      expect(held.held).toBe(1);

      const report = await finalChecks(cluster, { healedAt: Date.now(), boundMs: 500, overlapsBefore: before, allowedOverlaps: 0, commandBoundMs: 500 });

      expect(report.overlaps).toBeGreaterThanOrEqual(1);
      expect(report.violations.some((v) => v.startsWith('never two live sockets'))).toBe(true);
    } finally {
      await rogue.stop();
    }
  }, 60_000);
});

describe('fault scenarios (seeded)', () => {
  it('owner SIGKILL: peers take over within the bound, every invariant holds', async () => {
    const report = await play(ownerSigkill);

    expect(report.violations).toEqual([]);
    expect(report.recoveredInS).not.toBeNull();
    expect(report.accepted).toBeGreaterThan(0);
  }, 120_000);

  it('owner cut from DynamoDB but not WhatsApp: it self-fences, peers take over, every invariant holds', async () => {
    const report = await play(dynamoCut);

    expect(report.violations).toEqual([]);
  }, 120_000);

  it('lost renewal responses: the holder keeps or cleanly loses its leases, every invariant holds', async () => {
    const report = await play(renewalResponseLost);

    expect(report.violations).toEqual([]);
    expect(report.notes.join(' ')).toMatch(/[1-9]\d* renewal responses lost/);
  }, 120_000);
});
