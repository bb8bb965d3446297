/**
 * Preload (`--import`) that makes a runner's wall clock jump: `CHAOS_CLOCK_JUMP_AT_MS` after start,
 * `Date.now()` and `new Date()` move by `CHAOS_CLOCK_JUMP_BY_MS` (either sign), as an NTP step or a
 * suspended VM would. The monotonic clocks (`performance.now`, `process.hrtime`) do not move: the lease
 * protocol uses only those, which is what the clock-jump scenario proves.
 */
const at = Number(process.env.CHAOS_CLOCK_JUMP_AT_MS ?? NaN);
const by = Number(process.env.CHAOS_CLOCK_JUMP_BY_MS ?? 0);

if (Number.isFinite(at) && by !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  let offset = 0;

  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(realNow() + offset);
      else super(...(args as [string | number | Date]));
    }

    static override now(): number {
      return realNow() + offset;
    }
  }

  globalThis.Date = SkewedDate as DateConstructor;
  setTimeout(() => {
    offset = by;
  }, at).unref();
}
