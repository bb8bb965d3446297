import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantOf, isQuiet, localTime, nextLocalTime, offsetAt, quietEndsAt, quietStartsAt } from '../../../../core/campaigns/quiet-hours.ts';

const utc = (iso: string) => Date.parse(iso);
const night = { start: '21:00', end: '08:00' };

describe('quiet hours', () => {
  it('spans midnight: quiet late in the evening and early in the morning, not during the day', () => {
    const zone = 'Europe/Berlin';
    expect(isQuiet(utc('2025-06-10T19:30:00Z'), night, zone)).toBe(true); // 21:30 CEST
    expect(isQuiet(utc('2025-06-11T05:59:00Z'), night, zone)).toBe(true); // 07:59 CEST
    expect(isQuiet(utc('2025-06-11T06:00:00Z'), night, zone)).toBe(false); // 08:00 CEST: end is exclusive
    expect(isQuiet(utc('2025-06-11T12:00:00Z'), night, zone)).toBe(false);
  });

  it('works for a window within one day', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(isQuiet(utc('2025-06-10T13:00:00Z'), lunch, 'UTC')).toBe(true);
    expect(isQuiet(utc('2025-06-10T14:00:00Z'), lunch, 'UTC')).toBe(false);
    expect(isQuiet(utc('2025-06-10T11:59:00Z'), lunch, 'UTC')).toBe(false);
  });

  it('ends at 08:00 local on the morning clocks spring forward in Berlin (06:00Z, not 07:00Z)', () => {
    // Saturday 2025-03-29 22:00 CET; overnight the clocks go 02:00 -> 03:00.
    const now = utc('2025-03-29T21:00:00Z');
    expect(isQuiet(now, night, 'Europe/Berlin')).toBe(true);
    expect(new Date(quietEndsAt(now, night, 'Europe/Berlin')).toISOString()).toBe('2025-03-30T06:00:00.000Z');
  });

  it('ends at 08:00 local on the morning clocks fall back in Berlin (07:00Z, not 06:00Z)', () => {
    const now = utc('2025-10-25T20:00:00Z'); // 22:00 CEST
    expect(new Date(quietEndsAt(now, night, 'Europe/Berlin')).toISOString()).toBe('2025-10-26T07:00:00.000Z');
  });

  it('handles America/New_York across both changes', () => {
    // 2025-03-08 23:00 EST -> 08:00 EDT on the 9th.
    expect(new Date(quietEndsAt(utc('2025-03-09T04:00:00Z'), night, 'America/New_York')).toISOString()).toBe('2025-03-09T12:00:00.000Z');
    // 2025-11-01 23:00 EDT -> 08:00 EST on the 2nd.
    expect(new Date(quietEndsAt(utc('2025-11-02T03:00:00Z'), night, 'America/New_York')).toISOString()).toBe('2025-11-02T13:00:00.000Z');
    // Next quiet start after a Saturday afternoon before the autumn change: 21:00 EST on Sunday is 02:00Z Monday.
    expect(new Date(quietStartsAt(utc('2025-11-02T16:00:00Z'), night, 'America/New_York')).toISOString()).toBe('2025-11-03T02:00:00.000Z');
  });

  it('takes a wall time skipped by the spring change as the moment the clocks jump', () => {
    const window = { start: '22:00', end: '02:30' };
    const now = utc('2025-03-29T22:00:00Z'); // 23:00 CET
    expect(new Date(quietEndsAt(now, window, 'Europe/Berlin')).toISOString()).toBe('2025-03-30T01:00:00.000Z'); // 03:00 CEST
  });

  it('takes a wall time repeated by the autumn change at its first occurrence', () => {
    const window = { start: '22:00', end: '02:30' };
    const now = utc('2025-10-25T21:00:00Z'); // 23:00 CEST
    expect(new Date(quietEndsAt(now, window, 'Europe/Berlin')).toISOString()).toBe('2025-10-26T00:30:00.000Z'); // 02:30 CEST
  });

  it('converts wall times in zones with half-hour offsets', () => {
    expect(new Date(instantOf({ year: 2025, month: 1, day: 15, hour: 8, minute: 0 }, 'Asia/Kolkata')).toISOString()).toBe('2025-01-15T02:30:00.000Z');
  });

  it('always finds the next occurrence within two days, at that wall time unless it was skipped', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Santiago', 'UTC'];
    fc.assert(
      fc.property(
        fc.integer({ min: utc('2024-01-01T00:00:00Z'), max: utc('2026-12-31T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (instant, zone, hour, minute) => {
          const hhmm = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
          const next = nextLocalTime(instant, hhmm, zone);
          expect(next).toBeGreaterThan(instant);
          expect(next - instant).toBeLessThanOrEqual(50 * 3_600_000);
          const wall = localTime(next, zone);
          const landed = wall.hour * 60 + wall.minute;
          // Either exactly the wall time, or (the wall time was skipped) the instant the clocks jumped.
          if (landed !== hour * 60 + minute) expect(offsetAt(next - 60_000, zone)).not.toBe(offsetAt(next, zone));
        },
      ),
      { numRuns: 300 },
    );
  });
});
