import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../core/errors.ts';
import { recipientDigits, takeRecipients } from '../../../../core/campaigns/recipient-intake.ts';

const text = (body: string) => ({ type: 'text' as const, text: body });
const raw = (entries: { to: string; variables?: Record<string, string | number> }[]) => entries.map((entry, position) => ({ position, ...entry }));

describe('recipient intake', () => {
  it('normalises numbers and user JIDs to digits and refuses groups and LIDs', () => {
    expect(recipientDigits('+49 151 1234-5678')).toBe('4915112345678');
    expect(recipientDigits('4915112345678@s.whatsapp.net')).toBe('4915112345678');
    expect(recipientDigits('4915112345678:3@s.whatsapp.net')).toBe('4915112345678');
    expect(recipientDigits('120363025246125486@g.us')).toBeUndefined();
    expect(recipientDigits('12345@lid')).toBeUndefined();
    expect(recipientDigits('+1 000')).toBeUndefined();
  });

  it('drops invalid and repeated numbers, reporting them with their positions', async () => {
    const intake = await takeRecipients(
      raw([{ to: '+4915112345678' }, { to: 'nope' }, { to: '4915112345678@s.whatsapp.net' }, { to: '+14155550123', variables: { n: 1 } }]),
      text('Hello'),
      100,
    );
    expect(intake.recipients).toEqual([
      { phoneNumber: '4915112345678', variables: {} },
      { phoneNumber: '14155550123', variables: { n: '1' } },
    ]);
    expect(intake.report).toEqual({
      received: 4,
      accepted: 2,
      invalid: 1,
      duplicates: 1,
      samples: [
        { index: 1, reason: 'invalid_phone_number' },
        { index: 2, reason: 'duplicate' },
      ],
    });
  });

  it('refuses the campaign when a recipient lacks a required variable, naming who and what', async () => {
    const attempt = takeRecipients(raw([{ to: '+4915112345678', variables: { name: 'A' } }, { to: '+14155550123' }]), text('Hi {{name}}'), 100);
    await expect(attempt).rejects.toMatchObject({ code: 'missing_variables', statusCode: 400, details: [{ index: 1, missing: ['name'] }] });
    // With a fallback the same list is fine.
    await expect(takeRecipients(raw([{ to: '+14155550123' }]), text('Hi {{name|there}}'), 100)).resolves.toBeDefined();
  });

  it('refuses rendered messages over the size limit, lists over the cap, and lists with no valid number', async () => {
    const long = 'x'.repeat(1_000);
    await expect(
      takeRecipients(raw([{ to: '+14155550123', variables: { v: long } }]), { type: 'image', url: 'https://e.com/a.png', caption: '{{v}}{{v}}' }, 10),
    ).rejects.toMatchObject({ code: 'message_too_long', details: [{ index: 0 }] });
    await expect(takeRecipients(raw([{ to: '+14155550123' }, { to: '+4915112345678' }]), text('x'), 1)).rejects.toMatchObject({ code: 'too_many_recipients' });
    await expect(takeRecipients(raw([{ to: 'bad' }]), text('x'), 10)).rejects.toBeInstanceOf(ValidationError);
  });
});
