import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../../core/clock.ts';
import { apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';
import { startFakeRunner, type Answer, type FakeRunner } from './support/fake-runner.ts';
import { drainSlot, ownedBy } from './support/runner-state.ts';

/** Virtual time for the waits: `sleep` advances the clock at once, so a 10 s timeout takes no real time. */
function virtualTime(): { clock: Clock; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let offset = 0;
  const slept: number[] = [];
  return {
    clock: { now: () => Date.now() + offset, monotonic: () => performance.now() + offset },
    sleep: async (ms) => {
      slept.push(ms);
      offset += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
    slept,
  };
}

describe('requests answered by the owner runner', () => {
  let h: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let runner: FakeRunner;
  let answer: (command: { type: string; payload: Record<string, unknown> }) => Answer;
  const time = virtualTime();

  beforeAll(async () => {
    h = await apiHarness({ clock: time.clock, sleep: time.sleep, env: { RUNNER_REPLY_TIMEOUT_MS: '10000' } });
    [a, b] = [await h.createTenant('A'), await h.createTenant('B')];
    runner = startFakeRunner(h, 0, (command) => answer(command));
  });
  afterAll(async () => {
    await runner.stop();
    h.close();
  });

  const newSession = async (status?: 'qr' | 'open' | 'connecting') => {
    const id = (await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey })).body.id as string;
    if (status) await ownedBy(h, a.tenantId, id, status);
    return id;
  };

  describe('pairing code', () => {
    it('delivers a request_pairing_code command with the digits and returns the runner\'s code', async () => {
      answer = (command) => ({ result: { code: `CODE-${String(command.payload.phoneNumber).slice(-4)}` } });
      const session = await newSession('qr');

      const reply = await h.call({ method: 'POST', path: `/v1/sessions/${session}/pairing-code`, key: a.apiKey, body: { phoneNumber: '+49 151 1234 5678' } });

      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ code: 'CODE-5678' });
      const command = runner.seen.at(-1);
      expect(command).toMatchObject({ type: 'request_pairing_code', sessionId: session, payload: { phoneNumber: '4915112345678' } });
      expect(Date.parse(command!.notAfter) - Date.parse(command!.createdAt)).toBeLessThanOrEqual(16_000);
    });

    it('answers 504 runner_timeout after the wait and fails the command so a late runner drops it', async () => {
      answer = () => 'ignore';
      const session = await newSession('qr');
      time.slept.length = 0;

      const reply = await h.call({ method: 'POST', path: `/v1/sessions/${session}/pairing-code`, key: a.apiKey, body: { phoneNumber: '+4915112345678' } });

      expect(reply.status).toBe(504);
      expect(reply.body.error.code).toBe('runner_timeout');
      const waited = time.slept.reduce((sum, ms) => sum + ms, 0);
      expect(waited).toBeGreaterThan(9_000);
      expect(waited).toBeLessThanOrEqual(10_000);
      expect(time.slept[0]).toBeLessThan(time.slept.at(-2)!);
      const command = runner.seen.at(-1)!;
      expect(await h.deps.commands.get(a.tenantId, session, command.commandId)).toMatchObject({ status: 'failed', failure: { code: 'timed_out' } });
    });

    it('answers 409 command_failed with the runner\'s reason when it refuses', async () => {
      answer = () => ({ failure: { code: 'already_registered', message: 'The session is already linked' } });
      const session = await newSession('connecting');
      const reply = await h.call({ method: 'POST', path: `/v1/sessions/${session}/pairing-code`, key: a.apiKey, body: { phoneNumber: '+4915112345678' } });
      expect(reply.status).toBe(409);
      expect(reply.body.error).toMatchObject({ code: 'command_failed', details: { reason: 'already_registered' } });
    });

    it('answers 409 at once when no runner holds the session, or it is already paired', async () => {
      const created = await newSession();
      const open = await newSession('open');
      const notConnected = await h.call({ method: 'POST', path: `/v1/sessions/${created}/pairing-code`, key: a.apiKey, body: { phoneNumber: '+4915112345678' } });
      const paired = await h.call({ method: 'POST', path: `/v1/sessions/${open}/pairing-code`, key: a.apiKey, body: { phoneNumber: '+4915112345678' } });
      expect([notConnected.body.error.code, paired.body.error.code]).toEqual(['session_not_connected', 'session_already_paired']);
      expect(await h.deps.commands.listQueued(a.tenantId, created, { limit: 5 })).toEqual({ items: [], cursor: undefined });
    });

    it('refuses an invalid phone number with its field path', async () => {
      const session = await newSession('qr');
      const reply = await h.call({ method: 'POST', path: `/v1/sessions/${session}/pairing-code`, key: a.apiKey, body: { phoneNumber: '12' } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.details).toEqual([expect.objectContaining({ in: 'body', path: 'phoneNumber' })]);
    });
  });

  describe('contacts check', () => {
    it('delivers a check_contacts command with distinct digits and returns the runner\'s answer', async () => {
      answer = (command) => ({
        result: {
          contacts: (command.payload.phoneNumbers as string[]).map((digits) => ({
            phoneNumber: digits,
            exists: digits.endsWith('8'),
            ...(digits.endsWith('8') ? { jid: `${digits}@s.whatsapp.net` } : {}),
          })),
        },
      });
      const session = await newSession('open');

      const reply = await h.call({
        method: 'POST',
        path: `/v1/sessions/${session}/contacts/check`,
        key: a.apiKey,
        body: { phoneNumbers: ['+4915112345678', '+4915112345679', '+49 151 12345678'] },
      });

      expect(reply.status).toBe(200);
      expect(reply.body.contacts).toEqual([
        { phoneNumber: '4915112345678', exists: true, jid: '4915112345678@s.whatsapp.net' },
        { phoneNumber: '4915112345679', exists: false },
      ]);
      expect(runner.seen.at(-1)).toMatchObject({ type: 'check_contacts', payload: { phoneNumbers: ['4915112345678', '4915112345679'] } });
    });

    it('answers 409 session_not_open unless the session is open', async () => {
      const session = await newSession('qr');
      const reply = await h.call({ method: 'POST', path: `/v1/sessions/${session}/contacts/check`, key: a.apiKey, body: { phoneNumbers: ['+4915112345678'] } });
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe('session_not_open');
    });

    it('validates every number with its index, and caps the list at 50', async () => {
      const session = await newSession('open');
      const invalid = await h.call({
        method: 'POST',
        path: `/v1/sessions/${session}/contacts/check`,
        key: a.apiKey,
        body: { phoneNumbers: ['+4915112345678', 'abc', '+1 000'] },
      });
      expect(invalid.body.error.details.map((issue: { path: string }) => issue.path)).toEqual(['phoneNumbers.1', 'phoneNumbers.2']);
      const tooMany = await h.call({
        method: 'POST',
        path: `/v1/sessions/${session}/contacts/check`,
        key: a.apiKey,
        body: { phoneNumbers: Array.from({ length: 51 }, () => '+4915112345678') },
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.details[0]).toMatchObject({ path: 'phoneNumbers' });
    });
  });

  it('isolates tenants: B cannot ask A\'s session for anything', async () => {
    answer = () => ({ result: { code: 'LEAK', contacts: [] } });
    const qr = await newSession('qr');
    const open = await newSession('open');
    const seenBefore = runner.seen.length;

    const pairing = await h.call({ method: 'POST', path: `/v1/sessions/${qr}/pairing-code`, key: b.apiKey, body: { phoneNumber: '+4915112345678' } });
    const contacts = await h.call({ method: 'POST', path: `/v1/sessions/${open}/contacts/check`, key: b.apiKey, body: { phoneNumbers: ['+4915112345678'] } });

    expect([pairing.status, contacts.status]).toEqual([404, 404]);
    await drainSlot(h, 0);
    expect(runner.seen.length).toBe(seenBefore);
  });
});
