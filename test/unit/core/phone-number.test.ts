import { describe, expect, it } from 'vitest';
import { maskPhone, normalizePhoneNumber, toJid } from '../../../core/phone-number.ts';

describe('phone numbers', () => {
  it.each([
    ['+49 151 23456789', '4915123456789'],
    ['+1 (415) 555-2671', '14155552671'],
    ['4915123456789', '4915123456789'],
  ])('normalises %s', (input, digits) => {
    expect(normalizePhoneNumber(input)).toBe(digits);
  });

  it.each(['', 'abc', '+123', '+49 151', '+999 1234567890', '4915123456789; drop table'])('refuses %j', (input) => {
    expect(normalizePhoneNumber(input)).toBeUndefined();
  });

  it('turns E.164 numbers and JIDs into sendable JIDs', () => {
    expect(toJid('+4915123456789')).toBe('4915123456789@s.whatsapp.net');
    expect(toJid('4915123456789@c.us')).toBe('4915123456789@s.whatsapp.net');
    expect(toJid('4915123456789:3@s.whatsapp.net')).toBe('4915123456789@s.whatsapp.net');
    expect(toJid('120363025246125486@g.us')).toBe('120363025246125486@g.us');
    expect(toJid('someone@example.com')).toBeUndefined();
  });

  it('masks numbers for logs', () => {
    const masked = maskPhone('4915123456789@s.whatsapp.net');
    expect(masked).toBe('+4915•••••••89');
    expect(masked).not.toContain('23456');
    expect(maskPhone(undefined)).toBeUndefined();
  });
});
