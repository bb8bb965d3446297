import { describe, expect, it } from 'vitest';
import { emptyCounts } from '../../../../core/campaigns/campaign.ts';
import { addCounts, countDeltas, recipientStatusFor, updateRecentOutcomes } from '../../../../core/campaigns/outcomes.ts';

const notAfter = '2025-01-01T00:00:00.000Z';

describe('campaign outcome accounting', () => {
  it('maps command states to recipient statuses', () => {
    expect(recipientStatusFor({ status: 'queued', notAfter })).toEqual({ status: 'queued' });
    expect(recipientStatusFor({ status: 'sending', notAfter })).toEqual({ status: 'queued' });
    expect(recipientStatusFor({ status: 'read', notAfter })).toEqual({ status: 'read' });
    expect(recipientStatusFor({ status: 'failed', notAfter, failure: { code: 'expired', message: '' } })).toEqual({ status: 'failed', reason: 'expired' });
    expect(recipientStatusFor({ status: 'failed', notAfter, failure: { code: 'campaign_cancelled', message: '' } })).toEqual({
      status: 'skipped',
      reason: 'campaign_cancelled',
    });
  });

  it('turns moves into counter deltas that keep the total', () => {
    const changes = [
      { index: 1, from: 'queued' as const, to: 'delivered' as const },
      { index: 2, from: 'sent' as const, to: 'read' as const },
      { index: 3, from: 'queued' as const, to: 'failed' as const, reason: 'x' },
    ];
    const deltas = countDeltas(changes);
    expect(deltas).toEqual({ queued: -2, delivered: 1, sent: -1, read: 1, failed: 1 });
    const after = addCounts({ ...emptyCounts(), queued: 5, sent: 1 }, deltas);
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(6);
  });

  it('records first outcomes only, and not expiries, in the failure window', () => {
    const window = updateRecentOutcomes(
      'ss',
      [
        { index: 1, from: 'queued', to: 'delivered' },
        { index: 2, from: 'sent', to: 'read' },
        { index: 3, from: 'queued', to: 'failed', reason: 'not_on_whatsapp' },
        { index: 4, from: 'queued', to: 'failed', reason: 'expired' },
      ],
      3,
    );
    expect(window).toBe('ssf');
  });
});
