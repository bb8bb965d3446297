import { describe, expect, it } from 'vitest';
import { emptyCounts, type CampaignRecord } from '../../../../core/campaigns/campaign.ts';
import { decide, effectivePace, isFailureSpike, type GuardSettings } from '../../../../core/campaigns/campaign-guards.ts';
import type { SessionRecord } from '../../../../core/domain/session.ts';
import { DEFAULT_PACING } from '../../../../core/domain/session.ts';

const NOW = Date.parse('2025-06-10T10:00:00Z');
const settings: GuardSettings = { tickMs: 60_000, backlogTicks: 3, failureSpike: { window: 20, minimum: 10, ratio: 0.3 } };

function campaign(overrides: Partial<CampaignRecord> = {}): CampaignRecord {
  return {
    tenantId: 't',
    campaignId: 'c',
    sessionId: 's',
    name: 'n',
    message: { type: 'text', text: 'hi' },
    status: 'running',
    startAt: '2025-06-10T09:00:00.000Z',
    timezone: 'Europe/Berlin',
    pace: { perMinute: 10, jitterPercent: 0 },
    total: 100,
    cursor: 10,
    version: 3,
    counts: { ...emptyCounts(), pending: 90, sent: 10 },
    intake: { received: 100, accepted: 100, invalid: 0, duplicates: 0, samples: [] },
    credit: 0,
    recentOutcomes: '',
    progressDecile: 1,
    createdAt: '2025-06-10T08:00:00.000Z',
    updatedAt: '2025-06-10T08:00:00.000Z',
    ...overrides,
  };
}

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    tenantId: 't',
    sessionId: 's',
    status: 'open',
    desiredState: 'running',
    slot: 0,
    pacing: DEFAULT_PACING,
    createdAt: '',
    updatedAt: '',
    statusChangedAt: '',
    ...overrides,
  };
}

describe('campaign guard rails', () => {
  it('sends when everything is fine, bounded by the next quiet hours', () => {
    expect(decide(campaign(), session(), campaign().counts, '', NOW, settings)).toEqual({ kind: 'send' });
    const quiet = decide(campaign({ quietHours: { start: '21:00', end: '08:00' } }), session(), campaign().counts, '', NOW, settings);
    expect(quiet).toEqual({ kind: 'send', quietStartsAt: Date.parse('2025-06-10T19:00:00Z') });
  });

  it('auto-pauses when the session logged out, was parked or deleted', () => {
    const counts = campaign().counts;
    expect(decide(campaign(), session({ status: 'needs_pairing' }), counts, '', NOW, settings)).toEqual({ kind: 'pause', reason: 'session_logged_out' });
    expect(decide(campaign(), session({ status: 'failed' }), counts, '', NOW, settings)).toEqual({ kind: 'pause', reason: 'session_failed' });
    expect(decide(campaign(), session({ deletedAt: 'x' }), counts, '', NOW, settings)).toEqual({ kind: 'pause', reason: 'session_deleted' });
    expect(decide(campaign(), undefined, counts, '', NOW, settings)).toEqual({ kind: 'pause', reason: 'session_deleted' });
  });

  it('auto-pauses on a failure spike, only once enough outcomes are in', () => {
    expect(isFailureSpike('ffff', settings.failureSpike)).toBe(false);
    expect(isFailureSpike('sssssssfff', settings.failureSpike)).toBe(true);
    expect(isFailureSpike('ssssssssff', settings.failureSpike)).toBe(false);
    // Only the window counts: old failures age out.
    expect(isFailureSpike(`${'f'.repeat(30)}${'s'.repeat(20)}`, settings.failureSpike)).toBe(false);
    expect(decide(campaign(), session(), campaign().counts, 'sssssssfff', NOW, settings)).toEqual({ kind: 'pause', reason: 'failure_spike' });
  });

  it('holds, without pausing, in quiet hours, while the session is not open, and with a backlog', () => {
    const counts = campaign().counts;
    const night = campaign({ quietHours: { start: '21:00', end: '08:00' } });
    const late = Date.parse('2025-06-10T20:30:00Z'); // 22:30 in Berlin
    expect(decide(night, session(), counts, '', late, settings)).toEqual({ kind: 'hold', reason: 'quiet_hours', nextRunAt: Date.parse('2025-06-11T06:00:00Z') });
    expect(decide(campaign(), session({ status: 'reconnecting' }), counts, '', NOW, settings)).toMatchObject({ kind: 'hold', reason: 'session_not_open' });
    expect(decide(campaign(), session(), { ...counts, queued: 31 }, '', NOW, settings)).toMatchObject({ kind: 'hold', reason: 'backlog' });
    expect(decide(campaign(), session(), { ...counts, queued: 30 }, '', NOW, settings)).toEqual({ kind: 'send' });
  });

  it('waits for the start time, drains the last unsent messages, then completes', () => {
    const counts = campaign().counts;
    expect(decide(campaign({ status: 'scheduled', startAt: '2025-06-10T12:00:00.000Z' }), session(), counts, '', NOW, settings)).toEqual({
      kind: 'wait_for_start',
      nextRunAt: Date.parse('2025-06-10T12:00:00Z'),
    });
    const all = campaign({ cursor: 100 });
    expect(decide(all, session(), { ...counts, queued: 2 }, '', NOW, settings)).toMatchObject({ kind: 'drain' });
    expect(decide(all, session(), { ...counts, queued: 0 }, '', NOW, settings)).toEqual({ kind: 'complete' });
  });

  it('never outpaces the session: the pace is capped at the session\'s own pacing', () => {
    expect(effectivePace(campaign(), session({ pacing: { perMinute: 4, burst: 2, jitterMs: 0 } }))).toEqual({ perMinute: 4, jitterPercent: 0 });
    expect(effectivePace(campaign(), session({ pacing: { perMinute: 60, burst: 2, jitterMs: 0 } }))).toEqual({ perMinute: 10, jitterPercent: 0 });
    // The backlog allowance follows the capped pace: three ticks at 4/min, not at 10/min.
    const slow = session({ pacing: { perMinute: 4, burst: 2, jitterMs: 0 } });
    expect(decide(campaign(), slow, { ...campaign().counts, queued: 13 }, '', NOW, settings)).toMatchObject({ kind: 'hold', reason: 'backlog' });
    expect(decide(campaign(), session(), { ...campaign().counts, queued: 13 }, '', NOW, settings)).toEqual({ kind: 'send' });
  });
});
