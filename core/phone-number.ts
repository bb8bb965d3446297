/**
 * Phone numbers and WhatsApp JIDs: validation and normalisation with libphonenumber-js, and masking for logs
 * (a full number never reaches a log line).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Normalises an E.164 number (`+4915112345678`) to its digits, or returns undefined when it is not valid. */
export function normalizePhoneNumber(input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^\+?[0-9 ()\-.]{6,24}$/.test(trimmed)) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed.startsWith('+') ? trimmed : `+${trimmed}`);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number.slice(1);
}

const USER_JID = /^([0-9]{6,20})(?::[0-9]+)?@(s\.whatsapp\.net|c\.us)$/;
const OTHER_JID = /^[0-9A-Za-z.\-_:]{1,64}@(g\.us|lid|newsletter|broadcast)$/;

/**
 * Turns a recipient (E.164 number or JID) into the JID Baileys sends to, or undefined when it is neither.
 * User JIDs are normalised to `digits@s.whatsapp.net`.
 */
export function toJid(recipient: string): string | undefined {
  const value = recipient.trim();
  if (value.includes('@')) {
    const user = USER_JID.exec(value);
    if (user) return `${user[1]}@s.whatsapp.net`;
    return OTHER_JID.test(value) ? value : undefined;
  }
  const digits = normalizePhoneNumber(value);
  return digits ? `${digits}@s.whatsapp.net` : undefined;
}

/** `+49151•••••78`: enough to tell numbers apart in a log, not enough to contact anyone. */
export function maskPhone(value: string | undefined): string | undefined {
  if (!value) return value;
  const digits = value.replace(/@.*$/, '').replace(/[^0-9]/g, '');
  if (digits.length < 6) return '•••';
  return `+${digits.slice(0, 4)}${'•'.repeat(digits.length - 6)}${digits.slice(-2)}`;
}
