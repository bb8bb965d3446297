/**
 * Quiet hours in the campaign's own timezone, computed with the platform's time zone database
 * (`Intl.DateTimeFormat`), never with fixed offsets, so they hold across daylight-saving changes.
 *
 * A window `{ start: "21:00", end: "08:00" }` spans midnight; `start == end` is not allowed (it would mean
 * "always" or "never"). A wall time that does not exist on a given day (the hour skipped in spring) is taken
 * as the instant the clocks jump; a wall time that happens twice (the hour repeated in autumn) as its first
 * occurrence.
 */
import type { QuietHours } from './campaign.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size > 200) formatters.clear();
    formatters.set(timeZone, found);
  }
  return found;
}

/** True when `timeZone` is an IANA zone (or alias) the platform knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

/** Wall-clock date and time of an instant in a zone. */
export function localTime(instant: number, timeZone: string): LocalTime & { readonly second: number } {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(instant: number, timeZone: string): number {
  const t = localTime(instant, timeZone);
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

function sameWallTime(instant: number, wall: LocalTime, timeZone: string): boolean {
  const t = localTime(instant, timeZone);
  return t.year === wall.year && t.month === wall.month && t.day === wall.day && t.hour === wall.hour && t.minute === wall.minute;
}

/**
 * The instant a wall-clock time happens in a zone: its first occurrence when it happens twice, and the
 * moment the clocks jump past it when it does not happen at all.
 */
export function instantOf(wall: LocalTime, timeZone: string): number {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // At most one offset change lies within a day of any instant; try the offsets on either side of it.
  const offsets = [...new Set([offsetAt(naive - DAY, timeZone), offsetAt(naive + DAY, timeZone)])];
  const valid = offsets.map((offset) => naive - offset).filter((instant) => sameWallTime(instant, wall, timeZone));
  if (valid.length > 0) return Math.min(...valid);
  // A gap: find the transition between the two candidate instants, minute by minute (binary search).
  const candidates = offsets.map((offset) => naive - offset);
  let low = Math.min(...candidates);
  let high = Math.max(...candidates);
  const before = offsetAt(low, timeZone);
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (offsetAt(middle, timeZone) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** Minutes since local midnight for "HH:MM". */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** The first instant strictly after `after` at which local wall time in the zone is `hhmm`. */
export function nextLocalTime(after: number, hhmm: string, timeZone: string): number {
  const target = minutesOf(hhmm);
  const today = localTime(after, timeZone);
  for (let dayOffset = 0; dayOffset < 3; dayOffset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + dayOffset));
    const candidate = instantOf(
      {
        year: date.getUTCFullYear(),
        month: date.getUTCMonth() + 1,
        day: date.getUTCDate(),
        hour: Math.floor(target / 60),
        minute: target % 60,
      },
      timeZone,
    );
    if (candidate > after) return candidate;
  }
  throw new Error(`no local ${hhmm} within two days in ${timeZone}`);
}

/** True when the instant falls inside the quiet window (start inclusive, end exclusive). */
export function isQuiet(instant: number, quietHours: QuietHours, timeZone: string): boolean {
  const t = localTime(instant, timeZone);
  const now = t.hour * 60 + t.minute;
  const start = minutesOf(quietHours.start);
  const end = minutesOf(quietHours.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** When sending may resume: the end of the current quiet window (call only while quiet). */
export function quietEndsAt(instant: number, quietHours: QuietHours, timeZone: string): number {
  return nextLocalTime(instant, quietHours.end, timeZone);
}

/** When the next quiet window begins (call only while not quiet). */
export function quietStartsAt(instant: number, quietHours: QuietHours, timeZone: string): number {
  return nextLocalTime(instant, quietHours.start, timeZone);
}
