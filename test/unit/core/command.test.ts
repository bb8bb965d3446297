import { describe, expect, it } from 'vitest';
import { commandStatuses, isForward, statusesBefore } from '../../../core/domain/command.ts';

describe('command status order', () => {
  it('moves forward through the trail and never back', () => {
    expect(isForward('queued', 'sending')).toBe(true);
    expect(isForward('sending', 'sent')).toBe(true);
    expect(isForward('sent', 'read')).toBe(true);
    expect(isForward('read', 'delivered')).toBe(false);
    expect(isForward('delivered', 'delivered')).toBe(false);
  });

  it('fails only what has not been delivered', () => {
    expect(isForward('queued', 'failed')).toBe(true);
    expect(isForward('sending', 'failed')).toBe(true);
    // WhatsApp may reject after its server ack (a number that is not on WhatsApp).
    expect(isForward('sent', 'failed')).toBe(true);
    expect(isForward('delivered', 'failed')).toBe(false);
    for (const status of commandStatuses) expect(isForward('failed', status)).toBe(false);
  });

  it('lists the statuses a conditional write may start from', () => {
    expect(statusesBefore('sending')).toEqual(['queued']);
    expect(statusesBefore('delivered')).toEqual(['queued', 'sending', 'sent']);
    expect(statusesBefore('failed')).toEqual(['queued', 'sending', 'sent']);
  });
});
