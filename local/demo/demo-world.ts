/**
 * What the demo's steps share: the clients they talk through (the API, the simulator's control API, the
 * signed webhook receiver), the reporter they narrate to, their time bounds, and the numbered step titles
 * that both the printout and the failures name. The end-to-end test builds the same world.
 */
import { DemoHttp } from './demo-http.ts';
import type { DemoStack } from './demo-stack.ts';
import type { SignedWebhookReceiver } from './signed-webhook-receiver.ts';

export interface DemoWorld {
  readonly api: DemoHttp;
  readonly sim: DemoHttp;
  readonly receiver: SignedWebhookReceiver;
  readonly adminKey: string;
  /** The simulated phone that links the session, and the contact it talks with (E.164). */
  readonly phones: { readonly account: string; readonly contact: string };
  readonly timeouts: DemoTimeouts;
  /** Where to look when a wait fails (the stack's log). */
  readonly hint: string;
  readonly reporter: DemoReporter;
}

/** The simulated phone that links the session, and a contact (valid German mobile numbers of the 01555 range). */
export const DEMO_PHONES = { account: '+4915550000001', contact: '+4915550000042' } as const;

/** The world of a running demo stack: the API as `$WAF`, the simulator as `$SIM`, the stack's log as the hint. */
export function demoWorld(input: {
  readonly stack: DemoStack;
  readonly receiver: SignedWebhookReceiver;
  readonly reporter: DemoReporter;
  readonly timeouts?: DemoTimeouts;
}): DemoWorld {
  return {
    api: new DemoHttp(input.stack.apiUrl, 'WAF'),
    sim: new DemoHttp(input.stack.simulatorUrl, 'SIM'),
    receiver: input.receiver,
    adminKey: input.stack.adminKey,
    phones: DEMO_PHONES,
    timeouts: input.timeouts ?? DEFAULT_TIMEOUTS,
    hint: `the stack's log, its runner's included, is ${input.stack.logFile}`,
    reporter: input.reporter,
  };
}

export interface DemoTimeouts {
  readonly qrMs: number;
  readonly scanMs: number;
  readonly openMs: number;
  readonly deliveredMs: number;
  readonly webhookMs: number;
}

/** Bounds for a loaded 2-core machine; the happy path takes a fraction of each. */
export const DEFAULT_TIMEOUTS: DemoTimeouts = { qrMs: 30_000, scanMs: 15_000, openMs: 30_000, deliveredMs: 30_000, webhookMs: 30_000 };

/** The demo's narration: numbered steps, the request in curl form, what came back. */
export interface DemoReporter {
  step(step: DemoStep, explanation: string): void;
  request(curl: string): void;
  result(text: string): void;
  /** A preformatted block (an event, a status trail), indented under the step. */
  block(text: string): void;
  /** A QR code drawn in the terminal, scannable from the screen. */
  qrCode(payload: string): Promise<void>;
  /** Values the following curl commands use, as `export NAME=value` lines. */
  exports(variables: Readonly<Record<string, string>>): void;
  note(text: string): void;
}

export interface DemoStep {
  readonly number: number;
  readonly title: string;
}

export const STEPS = {
  tenant: { number: 1, title: 'Create a tenant with the admin key' },
  webhook: { number: 2, title: 'Register a webhook endpoint' },
  session: { number: 3, title: 'Create a session' },
  qr: { number: 4, title: 'Wait for its QR code' },
  scan: { number: 5, title: 'Scan the QR code with the simulated phone' },
  open: { number: 6, title: 'Wait for the session to open' },
  send: { number: 7, title: 'Send a text message' },
  delivered: { number: 8, title: 'Follow the message to delivered' },
  inbound: { number: 9, title: 'The contact writes back: a signed webhook' },
  summary: { number: 10, title: 'Summary' },
} as const satisfies Record<string, DemoStep>;

export const STEP_COUNT = Object.keys(STEPS).length;

/** `step 4, "Wait for its QR code"`: how failures name a step. */
export function stepLabel(step: DemoStep): string {
  return `step ${step.number}, "${step.title}"`;
}
