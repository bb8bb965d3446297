/**
 * The credentials fixture: devices paired once against a simulator whose state persists in the fixture's
 * `sim-state/`, with each device's full Baileys auth state (creds + every Signal key) in `auth/`. Pairing
 * costs ~0.5 s of CPU per device (812 prekeys), so runs reuse the fixture and only pair what is missing.
 * It is bound to the simulator state it was paired with: when that state is gone or was made anew (a
 * different root key), the saved auth states are useless and are discarded.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaileysFleet } from './baileys-fleet.ts';
import type { SimProcess } from './sim-handle.ts';

export interface FixtureLayout {
  readonly root: string;
  readonly simStateDir: string;
  readonly authDir: string;
}

export function fixtureLayout(root: string): FixtureLayout {
  return { root, simStateDir: join(root, 'sim-state'), authDir: join(root, 'auth') };
}

/** Account phone numbers of the fixture, in order: 49155 5 + 7 digits. */
export function accountPhone(index: number): string {
  return `491555${String(index).padStart(7, '0')}`;
}

/** Contact numbers (the recipients of sends, the senders of inbound messages). */
export function contactPhone(index: number): string {
  return `491777${String(index).padStart(7, '0')}`;
}

interface Manifest {
  readonly rootPublicKey: string;
}

/**
 * Makes sure the first `count` account phones are paired and saved; pairs only the missing ones.
 * The simulator must have been started with `layout.simStateDir`.
 */
export async function ensurePaired(
  sim: SimProcess,
  layout: FixtureLayout,
  count: number,
  options: { concurrency: number; log?: (line: string) => void },
): Promise<{ phones: string[]; newlyPaired: number; seconds: number }> {
  const manifestFile = join(layout.root, 'manifest.json');
  const manifest = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest) : undefined;
  if (manifest?.rootPublicKey !== sim.info.rootPublicKey) {
    rmSync(layout.authDir, { recursive: true, force: true });
  }
  mkdirSync(layout.authDir, { recursive: true });
  writeFileSync(manifestFile, JSON.stringify({ rootPublicKey: sim.info.rootPublicKey } satisfies Manifest));

  const phones = Array.from({ length: count }, (_, i) => accountPhone(i));
  // A device the simulator does not know (its state was not saved after pairing) must be paired again.
  const known = new Set((await sim.stats()).devices.filter((d) => d.state !== 'removed').map((d) => d.phone));
  const saved = new Set(
    readdirSync(layout.authDir)
      .map((file) => file.replace(/\.json$/, ''))
      .filter((phone) => known.has(phone)),
  );
  const missing = phones.filter((phone) => !saved.has(phone));
  const started = performance.now();
  if (missing.length > 0) {
    options.log?.(`pairing ${missing.length} devices into the credentials fixture (once; ~0.5 s CPU each)`);
    const fleet = BaileysFleet.start(sim);
    try {
      for (let i = 0; i < missing.length; i += 50) {
        const batch = missing.slice(i, i + 50);
        const result = await fleet.pair(batch, layout.authDir, sim.info.controlUrl, options.concurrency);
        if (result.failed.length > 0) throw new Error(`pairing failed for ${result.failed.length} devices (e.g. ${result.failed[0]!.slice(-4)})`);
        options.log?.(`  paired ${Math.min(i + 50, missing.length)}/${missing.length}`);
      }
    } finally {
      await fleet.stop();
    }
  }
  return { phones, newlyPaired: missing.length, seconds: (performance.now() - started) / 1000 };
}

/**
 * Takes the fixture for this process: two runs sharing it would run two simulators on one state file.
 * Returns the release function; a lock left by a process that is gone is taken over.
 */
export function lockFixture(layout: FixtureLayout): () => void {
  mkdirSync(layout.root, { recursive: true });
  const file = join(layout.root, 'lock');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8'));
    if (pid !== process.pid && isAlive(pid)) throw new Error(`the credentials fixture ${layout.root} is in use by process ${pid}`);
  }
  writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

/** lockFixture for a command-line program: one line naming the conflict and exit code 2 when it is taken. */
export function lockFixtureOrExit(layout: FixtureLayout, program: string): () => void {
  try {
    return lockFixture(layout);
  } catch (error) {
    process.stderr.write(`${program}: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
