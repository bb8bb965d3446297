import { describe, expect, it, vi } from 'vitest';
import { bridgeBaileysLogger, redactDigits } from '../../../../socket-runner/whatsapp/baileys-logger.ts';
import { silentLogger } from '../session/fakes.ts';

describe('Baileys logger bridge', () => {
  it('masks phone numbers and JID users', () => {
    expect(redactDigits('to 4915112345678@s.whatsapp.net failed')).toBe(`to 49${'•'.repeat(9)}78@s.whatsapp.net failed`);
    expect(redactDigits('retry 3 of 5')).toBe('retry 3 of 5');
  });

  it('forwards only warnings and errors, as a constant message and a masked error, never the objects', () => {
    const logger = silentLogger.createChild();
    const warn = vi.spyOn(logger, 'warn');
    const error = vi.spyOn(logger, 'error');
    const info = vi.spyOn(logger, 'info');
    const bridge = bridgeBaileysLogger(logger);

    bridge.info({ node: { attrs: { from: '4915112345678@s.whatsapp.net' } } }, 'recv xml');
    bridge.debug({ text: 'secret body' }, 'msg');
    bridge.child({ class: 'x' }).warn({ jid: '4915112345678@s.whatsapp.net', body: 'secret body' }, 'failed to decrypt');
    bridge.error({ err: new Error('session with 4915112345678 not found') }, 'error in handling message');

    expect(info).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith('baileys.log', { baileysMessage: 'failed to decrypt' });
    expect(error).toHaveBeenCalledWith('baileys.log', { baileysMessage: 'error in handling message', error: `session with 49${'•'.repeat(9)}78 not found` });
    expect(JSON.stringify([...warn.mock.calls, ...error.mock.calls])).not.toMatch(/secret body|4915112345678/);
  });
});
