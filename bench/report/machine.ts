/**
 * The machine and software a run measured on, saved with every result: CPU model and cores, memory,
 * load average at the start (the benchmark machine may be shared), Node and the versions of the packages
 * that shape the figures, and the git commit.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

const PACKAGES = [
  '@whiskeysockets/baileys',
  'libsignal',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-s3',
  'dynalite',
  's3rver',
  'esbuild',
  'tsx',
];

export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly loadAverage: readonly number[];
  readonly os: string;
  readonly node: string;
  readonly packages: Record<string, string>;
  readonly commit: string;
}

export function describeMachine(root: string): MachineInfo {
  const packages: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      packages[name] = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      packages[name] = 'not installed';
    }
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    os: `${platform()} ${release()}`,
    node: process.version,
    packages,
    commit,
  };
}
