/**
 * `npm run demo`: the whole of wa-fleet for a newcomer, offline, in well under a minute. It starts the local
 * stack with the WhatsApp simulator and one socket runner (a fresh temporary data directory, free ports) and
 * a webhook receiver that verifies signatures, then walks through tenant -> webhook -> session -> QR -> scan
 * -> open -> send -> delivered -> reply -> signed webhook, printing each request as curl. Then it shuts
 * everything down (exit 0), or with `--keep` leaves it running until Ctrl-C. A step that does not complete
 * in time is named, with where to look, and the demo exits 1 keeping the data directory.
 *
 *   npm run demo [-- --keep] [-- --data-dir <dir>]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { reportStack, reportSummary, runDemoFlow } from './demo/demo-flow.ts';
import { startDemoStack, type DemoStack } from './demo/demo-stack.ts';
import { DEMO_PHONES, demoWorld } from './demo/demo-world.ts';
import { SignedWebhookReceiver, type VerifiedDelivery } from './demo/signed-webhook-receiver.ts';
import { StepFailure } from './demo/step-failure.ts';
import { TerminalReporter } from './demo/terminal-reporter.ts';

const USAGE = 'usage: npm run demo [-- --keep] [-- --data-dir <dir>]';

const out = TerminalReporter.forStdout();
const options = readOptions();
const temporary = options.dataDir === undefined;
const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'wa-fleet-demo-'));
let stack: DemoStack | undefined;
let receiver: SignedWebhookReceiver | undefined;
let interruptedAt: number | undefined;
/** One Ctrl-C reaches the demo more than once (the terminal's signal, relayed again by npm and tsx). */
const SAME_INTERRUPT_MS = 1_000;

process.on('SIGINT', () => void interrupt('SIGINT'));
process.on('SIGTERM', () => void interrupt('SIGTERM'));
// Output piped into something that stopped reading (`| head`): stop quietly, stack included.
process.stdout.on('error', () => void interrupt('SIGPIPE'));

out.line(out.paint('bold', 'wa-fleet demo'));
out.line('The REST API, the webhooks function, one socket runner with real Baileys and a WhatsApp simulator, all on');
out.line(`this machine on AWS-compatible emulators. Data directory: ${dataDir}`);

try {
  const started = performance.now();
  out.line();
  out.line(out.paint('dim', 'Starting the local stack (npm start with WA_SIMULATOR=true, LOCAL_RUNNERS=1, WEBHOOK_ALLOW_LOOPBACK=true)...'));
  receiver = await SignedWebhookReceiver.start();
  stack = await startDemoStack({ dataDir });
  reportStack(out, stack, performance.now() - started);

  const world = demoWorld({ stack, receiver, reporter: out });
  const outcome = await runDemoFlow(world);
  reportSummary(world, outcome, performance.now() - started);

  if (options.keep) {
    keepRunning(stack, receiver);
  } else {
    out.line();
    out.line(out.paint('dim', 'Shutting down (the runner hands its session over first)...'));
    const code = await shutdown();
    if (code !== 0) fail(`the stack did not stop cleanly (exit code ${code}); its log: ${join(dataDir, 'stack.log')}`);
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    out.line(`${out.paint('green', 'Done.')} Everything stopped. Run \`npm run demo -- --keep\` to keep the stack and try the commands yourself.`);
    process.exit(0);
  }
} catch (error) {
  if (interruptedAt !== undefined) await new Promise(() => undefined); // the signal handler exits
  out.line();
  if (error instanceof StepFailure) {
    out.error(`✗ The demo stopped at ${error.step}:`);
    out.line(`  ${error.message}`);
    if (error.hint) out.line(`  Hint: ${error.hint}`);
  } else {
    out.error(`✗ The demo failed: ${(error as Error).stack ?? String(error)}`);
  }
  await shutdown();
  out.line(`  The data directory is kept for a look: ${dataDir}`);
  process.exit(1);
}

function readOptions(): { keep: boolean; dataDir?: string } {
  try {
    const { values } = parseArgs({
      options: { keep: { type: 'boolean', default: false }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n  --keep            leave the stack running after the walk-through (Ctrl-C stops it)\n  --data-dir <dir>  use (and keep) this data directory instead of a fresh temporary one\n`);
      process.exit(0);
    }
    const dataDir = values['data-dir'] === undefined ? undefined : resolve(values['data-dir']);
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    return { keep: values.keep, dataDir };
  } catch (error) {
    process.stderr.write(`wa-fleet demo: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(1);
  }
}

/** `--keep`: how to go on by hand; every webhook that arrives from now on is printed as it comes. */
function keepRunning(running: DemoStack, webhooks: SignedWebhookReceiver): void {
  out.line();
  out.line(out.paint('bold', 'The stack keeps running. Try it yourself (with the exports above):'));
  out.request(`curl -s "$WAF/v1/sessions/$SESSION" -H "Authorization: Bearer $KEY"`);
  out.request(
    `curl -s -X POST "$WAF/v1/sessions/$SESSION/messages" -H "Authorization: Bearer $KEY" \\\n    -H 'Content-Type: application/json' -d '{"to":"${DEMO_PHONES.contact}","type":"text","text":"Hi again"}'`,
  );
  out.request(`curl -s -X POST "$SIM/sim/inbound" -H 'Content-Type: application/json' \\\n    -d '{"from":"${DEMO_PHONES.contact}","to":"${DEMO_PHONES.account}","text":"Hello?"}'`);
  out.request(`curl -s "$SIM/sim/received?to=${DEMO_PHONES.contact.slice(1)}"`);
  out.note(`API docs: ${running.apiUrl}/docs   health: ${running.apiUrl}/health   log: ${running.logFile}`);
  out.note(`Webhooks verified by the receiver are printed below as they arrive. Ctrl-C stops everything.`);
  webhooks.onVerified((delivery: VerifiedDelivery) => out.result(`webhook ${delivery.event.type} ${JSON.stringify(delivery.event.data)} (signature verified)`));
}

async function shutdown(): Promise<number | null> {
  const code = (await stack?.stop()) ?? 0;
  await receiver?.close();
  return code;
}

async function interrupt(signal: NodeJS.Signals): Promise<void> {
  if (interruptedAt !== undefined) {
    if (performance.now() - interruptedAt > SAME_INTERRUPT_MS) process.exit(130); // a second Ctrl-C: now
    return;
  }
  interruptedAt = performance.now();
  out.line();
  out.line(out.paint('dim', `${signal}: stopping the stack (the runner hands its session over first)...`));
  const code = await shutdown();
  if (temporary && code === 0) rmSync(dataDir, { recursive: true, force: true });
  out.line(code === 0 ? 'Stopped.' : `The stack did not stop cleanly (exit code ${code}); its log: ${join(dataDir, 'stack.log')}`);
  process.exit(options.keep && code === 0 ? 0 : 130);
}

function fail(message: string): never {
  out.error(`✗ ${message}`);
  process.exit(1);
}
