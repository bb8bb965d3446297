/**
 * What `npm start` prints once the stack is up: where the API, its docs and the health check are, where the
 * data lives, the admin key, and a copy-paste request to create a first tenant.
 */
import { isAbsolute, relative } from 'node:path';
import type { LocalConfig } from './config.ts';
import type { RunningStack } from './stack.ts';

export function banner(stack: RunningStack, config: LocalConfig, startedInMs: number): string {
  const fromCwd = relative(process.cwd(), config.dataDir);
  const dataDir = fromCwd === '' ? '.' : fromCwd.startsWith('..') || isAbsolute(fromCwd) ? config.dataDir : fromCwd;
  const key =
    stack.adminKey.source === 'environment'
      ? { shown: '(from ADMIN_API_KEY)', header: 'Authorization: Bearer $ADMIN_API_KEY' }
      : { shown: `${stack.adminKey.key}  (kept in ${dataDir}/admin-api-key)`, header: `Authorization: Bearer ${stack.adminKey.key}` };
  const { dynamodb, sqs, s3 } = stack.endpoints;
  const runners =
    config.localRunners === 0
      ? 'none (LOCAL_RUNNERS=0)'
      : `${config.localRunners} starting (watch /health; ${config.runnerRestart ? 'restarted when they exit' : 'not restarted: LOCAL_RUNNER_RESTART=false'}); add one with \`npm run runner\``;
  const unavailable = Object.values(stack.functions).filter((fn) => fn.status !== 'ready');
  const lines = [
    '',
    `wa-fleet local stack is up (${(startedInMs / 1000).toFixed(1)} s)`,
    '',
    `  API         ${stack.apiUrl}/v1`,
    `  Docs        ${stack.apiUrl}/docs`,
    `  Health      ${stack.apiUrl}/health`,
    `  Data        ${dataDir}/`,
    `  Emulators   DynamoDB ${dynamodb}  SQS ${sqs}  S3 ${s3}`,
    `  Runners     ${runners}`,
    ...(stack.simulator ? [`  Simulator   ${stack.simulator.url}  (control ${stack.simulator.controlUrl}/sim/stats)`] : []),
    `  Admin key   ${key.shown}`,
    '',
    'Create a tenant:',
    `  curl -s -X POST ${stack.apiUrl}/v1/tenants \\`,
    `    -H '${key.header}' \\`,
    `    -H 'Content-Type: application/json' -d '{"name":"acme"}'`,
    '',
    ...(unavailable.length ? ['Not available yet (their triggers are off):', ...unavailable.map((fn) => `  ${fn.module}: ${fn.status}`), ''] : []),
    'Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n');
}
