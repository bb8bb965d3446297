import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness, type Tenant } from '../api/support/api-harness.ts';
import { recipients } from './campaign-fixture.ts';

describe('campaign and suppression routes', () => {
  let harness: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let sessionId: string;

  beforeAll(async () => {
    harness = await apiHarness();
    a = await harness.createTenant('A');
    b = await harness.createTenant('B');
    const session = await harness.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey, body: { name: 'shop' } });
    sessionId = session.body.id;
  }, 60_000);
  afterAll(() => harness.close());

  const asA = (method: string, path: string, body?: unknown, query?: Record<string, string>) => harness.call({ method, path, key: a.apiKey, body, query });
  const asB = (method: string, path: string, body?: unknown) => harness.call({ method, path, key: b.apiKey, body });

  it('creates a campaign, reporting dropped numbers, and shows its progress and recipients', async () => {
    const startMs = Math.floor(Date.now() / 60_000) * 60_000 + 10 * 86_400_000;
    const startInBerlinWinter = `${new Date(startMs + 3_600_000).toISOString().slice(0, 19)}+01:00`;
    const created = await asA('POST', '/v1/campaigns', {
      sessionId,
      name: 'launch',
      message: { type: 'text', text: 'Hi {{name|there}}' },
      recipients: [...recipients(3), { to: 'not a number' }, recipients(1)[0], { to: '+14152000009' }],
      startAt: startInBerlinWinter,
      timezone: 'Europe/Berlin',
      quietHours: { start: '21:00', end: '08:00' },
      pace: { perMinute: 5 },
      warmUp: { durationMinutes: 60 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'scheduled',
      total: 4,
      enqueued: 0,
      startAt: new Date(startMs).toISOString(),
      pace: { perMinute: 5, jitterPercent: 20 },
      warmUp: { initialPerMinute: 1, durationMinutes: 60 },
      counts: { pending: 4, queued: 0, sent: 0, delivered: 0, read: 0, failed: 0, suppressed: 0, skipped: 0 },
      progress: { settled: 0, percent: 0 },
      intake: { received: 6, accepted: 4, invalid: 1, duplicates: 1, samples: [{ index: 3, reason: 'invalid_phone_number' }, { index: 4, reason: 'duplicate' }] },
    });
    const id = created.body.id;

    expect((await asA('GET', `/v1/campaigns/${id}`)).body).toMatchObject({ id, name: 'launch', status: 'scheduled' });
    const list = await asA('GET', '/v1/campaigns', undefined, { status: 'scheduled' });
    expect(list.body.items.map((campaign: { id: string }) => campaign.id)).toContain(id);
    const page = await asA('GET', `/v1/campaigns/${id}/recipients`, undefined, { limit: '2' });
    expect(page.body.items).toEqual([
      { index: 0, phoneNumber: '+14152000000', status: 'pending', variables: { name: 'R0' } },
      { index: 1, phoneNumber: '+14152000001', status: 'pending', variables: { name: 'R1' } },
    ]);
    const next = await asA('GET', `/v1/campaigns/${id}/recipients`, undefined, { limit: '2', cursor: page.body.nextCursor });
    expect(next.body.items.map((r: { index: number }) => r.index)).toEqual([2, 3]);

    // Another tenant sees nothing of it.
    expect((await asB('GET', `/v1/campaigns/${id}`)).status).toBe(404);
    expect((await asB('GET', `/v1/campaigns/${id}/recipients`)).status).toBe(404);
    expect((await asB('POST', `/v1/campaigns/${id}/cancel`)).status).toBe(404);
    expect((await asB('GET', '/v1/campaigns')).body.items).toEqual([]);
    // Nor can it use the other tenant's session.
    const foreign = await asB('POST', '/v1/campaigns', { sessionId, name: 'x', message: { type: 'text', text: 'x' }, recipients: recipients(1) });
    expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'session_not_found' } } });
  });

  it('refuses bad templates, missing variables, unknown timezones and ambiguous recipient sources', async () => {
    const base = { sessionId, name: 'bad', recipients: recipients(2) };
    const missing = await asA('POST', '/v1/campaigns', { ...base, message: { type: 'text', text: 'Hi {{name}} from {{city}}' } });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'missing_variables', details: [{ index: 0, missing: ['city'] }, { index: 1, missing: ['city'] }] } } });
    expect((await asA('POST', '/v1/campaigns', { ...base, message: { type: 'text', text: 'Hi {{first name}}' } })).body.error.code).toBe('invalid_template');
    const zone = await asA('POST', '/v1/campaigns', { ...base, message: { type: 'text', text: 'x' }, timezone: 'Europe/Atlantis' });
    expect(zone).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
    const both = await asA('POST', '/v1/campaigns', { ...base, message: { type: 'text', text: 'x' }, recipientsImportId: '01J9Z3K6Q8V2N4P7R5T1W3Y6ZA' });
    expect(both.status).toBe(400);
    const reaction = await asA('POST', '/v1/campaigns', { ...base, message: { type: 'reaction', messageId: 'x', emoji: '👍' } });
    expect(reaction.status).toBe(400);
    const none = await asA('POST', '/v1/campaigns', { ...base, recipients: [{ to: 'nope' }], message: { type: 'text', text: 'x' } });
    expect(none).toMatchObject({ status: 400, body: { error: { code: 'no_valid_recipients' } } });
  });

  it('pauses, resumes and cancels, refusing moves the state machine does not allow', async () => {
    const created = await asA('POST', '/v1/campaigns', { sessionId, name: 'ctl', message: { type: 'text', text: 'x' }, recipients: recipients(5) });
    const id = created.body.id;
    expect((await asA('POST', `/v1/campaigns/${id}/resume`)).body.error.code).toBe('campaign_scheduled');
    expect((await asA('POST', `/v1/campaigns/${id}/pause`)).body).toMatchObject({ status: 'paused', pauseReason: 'tenant' });
    expect((await asA('POST', `/v1/campaigns/${id}/resume`)).body).toMatchObject({ status: 'running' });
    const cancelled = await asA('POST', `/v1/campaigns/${id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', counts: { pending: 0, skipped: 5 }, progress: { percent: 100 } });
    expect(await asA('POST', `/v1/campaigns/${id}/pause`)).toMatchObject({ status: 409, body: { error: { code: 'campaign_cancelled' } } });
    const skipped = await asA('GET', `/v1/campaigns/${id}/recipients`, undefined, { status: 'skipped' });
    expect(skipped.body.items).toHaveLength(5);
  });

  it('accepts 10,000 recipients inline', async () => {
    const created = await asA('POST', '/v1/campaigns', { sessionId, name: 'big', message: { type: 'text', text: 'Hi {{name}}' }, recipients: recipients(10_000) });
    expect(created).toMatchObject({ status: 201, body: { total: 10_000 } });
    const tooMany = await asA('POST', '/v1/campaigns', { sessionId, name: 'big', message: { type: 'text', text: 'x' }, recipients: recipients(10_001) });
    expect(tooMany.status).toBe(400);
  }, 60_000);

  it('imports a CSV uploaded to a presigned URL, for the uploading tenant only', async () => {
    const upload = await asA('POST', '/v1/campaigns/imports');
    expect(upload).toMatchObject({ status: 201, body: { method: 'PUT', maxBytes: 10 * 1024 * 1024 } });
    const csv = ['phone,name,city', ...recipients(120).map((r, i) => `${r.to},"${r.variables.name}, Jr.",City ${i}`), 'garbage,x,y', ''].join('\r\n');
    const put = await fetch(upload.body.uploadUrl, { method: 'PUT', body: csv });
    expect(put.status).toBe(200);

    const created = await asA('POST', '/v1/campaigns', {
      sessionId,
      name: 'from csv',
      message: { type: 'text', text: 'Hi {{name}} in {{city}}' },
      recipientsImportId: upload.body.importId,
    });
    expect(created).toMatchObject({ status: 201, body: { total: 120, intake: { received: 121, invalid: 1, samples: [{ index: 121, reason: 'invalid_phone_number' }] } } });
    const first = await asA('GET', `/v1/campaigns/${created.body.id}/recipients`, undefined, { limit: '1' });
    expect(first.body.items[0]).toMatchObject({ phoneNumber: '+14152000000', variables: { name: 'R0, Jr.', city: 'City 0' } });

    const stolen = await asB('POST', '/v1/campaigns', { sessionId, name: 'x', message: { type: 'text', text: 'x' }, recipientsImportId: upload.body.importId });
    expect(stolen.status).toBe(404);
    const unknown = await asA('POST', '/v1/campaigns', { sessionId, name: 'x', message: { type: 'text', text: 'x' }, recipientsImportId: '01J9Z3K6Q8V2N4P7R5T1W3Y6ZA' });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'import_not_found' } } });
  });

  it('manages the suppression list per tenant', async () => {
    const added = await asA('POST', '/v1/suppressions', { phoneNumbers: ['+49 151 1234 5678', '+14152000000'] });
    expect(added).toMatchObject({ status: 201, body: { items: [{ phoneNumber: '+4915112345678', source: 'api' }, { phoneNumber: '+14152000000' }] } });
    expect((await asA('POST', '/v1/suppressions', { phoneNumbers: ['+14152000000', 'bogus'] })).body.error).toMatchObject({
      code: 'invalid_phone_number',
      details: [{ path: ['phoneNumbers', 1] }],
    });
    const listed = await asA('GET', '/v1/suppressions');
    expect(listed.body.items.map((s: { phoneNumber: string }) => s.phoneNumber).sort()).toEqual(['+14152000000', '+4915112345678']);
    expect((await asB('GET', '/v1/suppressions')).body.items).toEqual([]);
    expect((await asB('DELETE', '/v1/suppressions/%2B4915112345678')).status).toBe(404);

    expect((await asA('DELETE', '/v1/suppressions/%2B4915112345678')).status).toBe(204);
    expect((await asA('DELETE', '/v1/suppressions/4915112345678')).status).toBe(404);
    expect((await asA('DELETE', '/v1/suppressions/nonsense')).status).toBe(400);
    expect((await asA('GET', '/v1/suppressions')).body.items).toHaveLength(1);
  });
});
