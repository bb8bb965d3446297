/**
 * Recipient intake: turns the tenant's list (inline or CSV rows) into the campaign's recipients.
 *
 * Policy (documented in the README): invalid phone numbers and repeated numbers are dropped and reported
 * (counts plus the first entries with their input position), because one bad row in a large list should
 * not block a campaign; a recipient that lacks a variable the template needs (and has no `|fallback`), or
 * whose rendered message would be too long, refuses the whole campaign with 400, because that is a mistake
 * in the template or the data that would otherwise reach people.
 */
import { ValidationError } from '../errors.ts';
import type { MessageContent } from '../domain/message.ts';
import { normalizePhoneNumber, toJid } from '../phone-number.ts';
import type { IntakeReport } from './campaign.ts';
import { missingVariables, renderedLength, renderedLimit, templateVariables } from './template.ts';

export interface RawRecipient {
  /** Position in the input (array index, or CSV data row number). */
  readonly position: number;
  readonly to: string;
  readonly variables?: Readonly<Record<string, string | number | boolean>>;
}

export interface AcceptedRecipient {
  readonly phoneNumber: string;
  readonly variables: Record<string, string>;
}

export interface Intake {
  readonly recipients: AcceptedRecipient[];
  readonly report: IntakeReport;
}

const MAX_SAMPLES = 20;

/** Digits of a recipient given as an E.164 number or a user JID; undefined when it is neither. */
export function recipientDigits(to: string): string | undefined {
  if (!to.includes('@')) return normalizePhoneNumber(to);
  const jid = toJid(to);
  if (!jid?.endsWith('@s.whatsapp.net')) return undefined;
  return normalizePhoneNumber(jid.slice(0, jid.indexOf('@')));
}

export async function takeRecipients(
  input: Iterable<RawRecipient> | AsyncIterable<RawRecipient>,
  message: MessageContent,
  maxRecipients: number,
): Promise<Intake> {
  const template = templateVariables(message);
  const limit = renderedLimit(message);
  const seen = new Set<string>();
  const recipients: AcceptedRecipient[] = [];
  const samples: { index: number; reason: string }[] = [];
  const missingProblems: { index: number; missing: string[] }[] = [];
  const tooLong: { index: number; reason: string }[] = [];
  let received = 0;
  let invalid = 0;
  let duplicates = 0;
  const reject = (index: number, reason: string) => {
    if (samples.length < MAX_SAMPLES) samples.push({ index, reason });
  };

  for await (const raw of input) {
    received += 1;
    const digits = recipientDigits(raw.to);
    if (!digits) {
      invalid += 1;
      reject(raw.position, 'invalid_phone_number');
      continue;
    }
    if (seen.has(digits)) {
      duplicates += 1;
      reject(raw.position, 'duplicate');
      continue;
    }
    seen.add(digits);
    const variables = Object.fromEntries(Object.entries(raw.variables ?? {}).map(([key, value]) => [key, String(value)]));
    const missing = missingVariables(template, variables);
    if (missing.length > 0) {
      if (missingProblems.length < MAX_SAMPLES) missingProblems.push({ index: raw.position, missing });
      continue;
    }
    if (limit !== undefined && renderedLength(message, variables) > limit) {
      if (tooLong.length < MAX_SAMPLES) tooLong.push({ index: raw.position, reason: 'message_too_long' });
      continue;
    }
    if (recipients.length >= maxRecipients) {
      throw new ValidationError(`A campaign has at most ${maxRecipients} recipients`, undefined, 'too_many_recipients');
    }
    recipients.push({ phoneNumber: digits, variables });
  }

  if (missingProblems.length > 0) {
    throw new ValidationError(
      'Some recipients lack variables the template needs: add them, or give the placeholder a fallback: {{name|there}}',
      missingProblems,
      'missing_variables',
    );
  }
  if (tooLong.length > 0) {
    throw new ValidationError('Some recipients\' rendered message would exceed the length limit', tooLong, 'message_too_long');
  }
  const report: IntakeReport = { received, accepted: recipients.length, invalid, duplicates, samples };
  if (recipients.length === 0) throw new ValidationError('No valid recipient in the list', report, 'no_valid_recipients');
  return { recipients, report };
}
