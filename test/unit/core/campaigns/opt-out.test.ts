import { describe, expect, it } from 'vitest';
import { matchOptOutKeyword, optOutKeywords } from '../../../../core/campaigns/opt-out.ts';

describe('opt-out keywords', () => {
  const defaults = optOutKeywords({});

  it('matches a whole message, ignoring case, accents, whitespace and punctuation', () => {
    for (const text of ['STOP', 'stop', '  Stop! ', 'Stopp.', 'unsubscribe', 'Baja', 'ARRÊT', 'opt out', 'Opt-Out', '🛑 stop 🛑']) {
      expect(matchOptOutKeyword(text, defaults), text).toBeDefined();
    }
  });

  it('does not match keywords inside longer messages', () => {
    for (const text of ['please stop', "don't stop me now", 'stop by tomorrow?', 'STOPPING', '', undefined]) {
      expect(matchOptOutKeyword(text, defaults), String(text)).toBeUndefined();
    }
  });

  it('is configurable through OPT_OUT_KEYWORDS, and can be switched off', () => {
    const custom = optOutKeywords({ OPT_OUT_KEYWORDS: 'halt, Abbestellen ' });
    expect(matchOptOutKeyword('HALT', custom)).toBe('HALT');
    expect(matchOptOutKeyword('abbestellen', custom)).toBe('ABBESTELLEN');
    expect(matchOptOutKeyword('stop', custom)).toBeUndefined();
    expect(matchOptOutKeyword('stop', optOutKeywords({ OPT_OUT_KEYWORDS: '' }))).toBeUndefined();
  });
});
