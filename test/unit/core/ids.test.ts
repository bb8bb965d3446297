import { describe, expect, it } from 'vitest';
import { commandIdFromWaMessageId, derivedId, isId, newId, waMessageIdFor } from '../../../core/ids.ts';

describe('ids', () => {
  it('makes time-ordered 26-character ids', () => {
    const earlier = newId(1_700_000_000_000);
    const later = newId(1_700_000_000_001);
    expect(earlier).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(earlier < later).toBe(true);
    expect(isId(earlier)).toBe(true);
    expect(isId('not-an-id')).toBe(false);
  });

  it('derives the same id from the same parts and different ids from different parts', () => {
    expect(derivedId(1_700_000_000_000, 'campaign', '7')).toBe(derivedId(1_700_000_000_000, 'campaign', '7'));
    expect(derivedId(1_700_000_000_000, 'campaign', '7')).not.toBe(derivedId(1_700_000_000_000, 'campaign', '8'));
    // Parts are separated, so shifting a character between them changes the id.
    expect(derivedId(0, 'ab', 'c')).not.toBe(derivedId(0, 'a', 'bc'));
  });

  it('maps a command id to a WhatsApp message id and back', () => {
    const commandId = newId();
    const waId = waMessageIdFor(commandId);
    expect(waId).toMatch(/^3EB0[0-9A-F]{32}$/);
    expect(commandIdFromWaMessageId(waId)).toBe(commandId);
  });

  it('does not map WhatsApp ids we did not derive', () => {
    expect(commandIdFromWaMessageId('3EB0ABCDEF')).toBeUndefined();
    expect(commandIdFromWaMessageId('BAE5F00D12345678')).toBeUndefined();
    expect(() => waMessageIdFor('nope')).toThrow();
  });
});
