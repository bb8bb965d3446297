/**
 * Demo steps 3 to 6: a session is created, the runner that claims it publishes a QR code, the simulated
 * phone scans it, and the session opens with the phone's number. The QR is printed in the terminal as a
 * real phone would see it.
 */
import * as z from 'zod';
import { describeAnswer, errorSummary, expectStatus, parseBody, singleQuoted, type DemoResponse } from './demo-http.ts';
import { STEPS, stepLabel, type DemoStep, type DemoWorld } from './demo-world.ts';
import { done, eventually, pending } from './eventually.ts';
import { tenantBearer, type Tenant } from './setup-steps.ts';
import { StepFailure } from './step-failure.ts';

export const sessionView = z.object({
  id: z.string().min(1),
  status: z.string(),
  statusReason: z.string().optional(),
  phoneNumber: z.string().optional(),
  ownerRunnerId: z.string().optional(),
});
export type SessionView = z.infer<typeof sessionView>;

const qrView = z.object({ qr: z.string().min(10), expiresAt: z.string() });
const scanned = z.object({ jid: z.string(), deviceId: z.number() });

/** Statuses a session does not leave by itself: waiting on for anything else is pointless. */
const STUCK = new Set(['needs_pairing', 'failed', 'stopped']);

export async function createSession(world: DemoWorld, tenant: Tenant, name = 'demo'): Promise<SessionView> {
  const step = STEPS.session;
  world.reporter.step(step, 'A WhatsApp session, wanted running. The socket runner claims it (a DynamoDB lease with fencing) and opens a Baileys socket to the simulator.');
  const response = await world.api.send(stepLabel(step), { method: 'POST', path: '/v1/sessions', bearer: tenantBearer(tenant), body: { name } });
  world.reporter.request(response.curl);
  expectStatus(stepLabel(step), response, 201);
  const session = parseBody(stepLabel(step), response, sessionView);
  world.reporter.result(`201 Created: session ${session.id}, status ${session.status}`);
  world.reporter.exports({ SESSION: session.id });
  return session;
}

export async function waitForQr(world: DemoWorld, tenant: Tenant, sessionId: string): Promise<string> {
  const step = STEPS.qr;
  world.reporter.step(step, 'Polls until the runner has published the QR code (409 session_not_waiting_for_scan until then). It is what WhatsApp > Linked devices scans.');
  const started = performance.now();
  let curl: string | undefined;
  const qr = await eventually(
    async () => {
      const response = await readQr(world, tenant, sessionId, stepLabel(step));
      curl ??= response.curl;
      if (response.status === 200) return done(parseBody(stepLabel(step), response, qrView));
      if (response.status === 409) return pending(describeAnswer(response));
      throw new StepFailure(stepLabel(step), `unexpected HTTP ${response.status}${errorSummary(response.body)}`);
    },
    { step: stepLabel(step), what: 'a QR code from the runner', timeoutMs: world.timeouts.qrMs, hint: world.hint },
  );
  world.reporter.request(curl!);
  world.reporter.result(`200 after ${seconds(started)}: a QR code valid until ${qr.expiresAt}`);
  await world.reporter.qrCode(qr.qr);
  world.reporter.exports({ QR: qr.qr });
  return qr.qr;
}

export interface Scan {
  readonly jid: string;
  readonly deviceId: number;
}

/** The simulated phone scans the QR; a QR the runner has already rotated is read again and scanned. */
export async function scanQr(world: DemoWorld, tenant: Tenant, sessionId: string, firstQr: string): Promise<Scan> {
  const step = STEPS.scan;
  world.reporter.step(step, `The simulator's phone ${world.phones.account} scans it, as the WhatsApp app would: the simulator completes the multi-device pairing with the runner's Baileys.`);
  let qr = firstQr;
  let curl: string | undefined;
  const scan = await eventually(
    async () => {
      const response = await world.sim.send(stepLabel(step), {
        method: 'POST',
        path: '/sim/scan',
        body: { qr, phoneNumber: world.phones.account },
        shown: { body: `${singleQuoted('{"qr":"')}"$QR"${singleQuoted(`","phoneNumber":"${world.phones.account}"}`)}` },
      });
      curl ??= response.curl;
      if (response.status === 200) return done(parseBody(stepLabel(step), response, scanned));
      if (response.status !== 404) throw new StepFailure(stepLabel(step), `the simulator refused the scan: HTTP ${response.status}${errorSummary(response.body)}`);
      const again = await readQr(world, tenant, sessionId, stepLabel(step));
      if (again.status === 200) qr = parseBody(stepLabel(step), again, qrView).qr;
      return pending(`the QR code had rotated (${describeAnswer(response)})`);
    },
    { step: stepLabel(step), what: 'the scan', timeoutMs: world.timeouts.scanMs, hint: world.hint },
  );
  world.reporter.request(curl!);
  world.reporter.result(`200: linked as device ${scan.deviceId} of ${scan.jid}`);
  return scan;
}

export interface SessionWait {
  readonly step: DemoStep;
  readonly what: string;
  readonly until: (session: SessionView) => boolean;
  readonly timeoutMs: number;
}

/** Polls the session until `until` holds; a session stuck in needs_pairing, failed or stopped fails at once. */
export async function waitForSession(world: DemoWorld, tenant: Tenant, sessionId: string, wait: SessionWait): Promise<{ session: SessionView; curl: string }> {
  const label = stepLabel(wait.step);
  let curl: string | undefined;
  const session = await eventually(
    async () => {
      const response = await world.api.send(label, { method: 'GET', path: `/v1/sessions/${sessionId}`, bearer: tenantBearer(tenant), shown: { path: '/v1/sessions/$SESSION' } });
      curl ??= response.curl;
      expectStatus(label, response, 200);
      const session = parseBody(label, response, sessionView);
      if (wait.until(session)) return done(session);
      if (STUCK.has(session.status)) {
        throw new StepFailure(label, `the session is ${session.status}${session.statusReason ? ` (${session.statusReason})` : ''}, waiting for ${wait.what}`, world.hint);
      }
      return pending(`status ${session.status}${session.ownerRunnerId ? ` on runner ${session.ownerRunnerId}` : ''}`);
    },
    { step: label, what: wait.what, timeoutMs: wait.timeoutMs, hint: world.hint },
  );
  return { session, curl: curl! };
}

export async function waitForOpen(world: DemoWorld, tenant: Tenant, sessionId: string): Promise<SessionView> {
  const step = STEPS.open;
  world.reporter.step(step, 'The runner finishes the login (WhatsApp\'s 515 restart after pairing), stores the credentials in DynamoDB (fenced by the lease epoch) and reports the session open.');
  const started = performance.now();
  const { session, curl } = await waitForSession(world, tenant, sessionId, {
    step,
    what: 'the session to open',
    until: (session) => session.status === 'open',
    timeoutMs: world.timeouts.openMs,
  });
  world.reporter.request(curl);
  world.reporter.result(`open after ${seconds(started)}: paired with phone number ${session.phoneNumber ?? '(not reported)'}, held by runner ${session.ownerRunnerId ?? '?'}`);
  return session;
}

function readQr(world: DemoWorld, tenant: Tenant, sessionId: string, label: string): Promise<DemoResponse> {
  return world.api.send(label, { method: 'GET', path: `/v1/sessions/${sessionId}/qr`, bearer: tenantBearer(tenant), shown: { path: '/v1/sessions/$SESSION/qr' } });
}

export function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}
