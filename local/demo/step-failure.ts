/**
 * Why a demo step did not complete: which step, what was missing, and where to look. `npm run demo` prints
 * it as one short block and exits 1; the end-to-end test lets it fail the test with the same words.
 */
export class StepFailure extends Error {
  constructor(
    /** Where the demo stopped, e.g. `step 4, "Wait for its QR code"`. */
    readonly step: string,
    message: string,
    /** What to look at next (a log file, a setting). */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StepFailure';
  }
}
