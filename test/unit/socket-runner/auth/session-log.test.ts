import { describe, expect, it, vi } from 'vitest';
import { sessionLog } from '../../../../socket-runner/auth/session-log.ts';
import { silentLogger } from '../session/fakes.ts';

describe('session log', () => {
  it('adds the session keys to every line, under the line’s own data', () => {
    const logger = silentLogger.createChild();
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    const log = sessionLog(logger, { tenantId: 't1', sessionId: 's1', epoch: 3 });

    log.info('auth.opened', { source: 'stored' });
    log.error('auth.fenced', { epoch: 4 });

    expect(info).toHaveBeenCalledWith('auth.opened', { tenantId: 't1', sessionId: 's1', epoch: 3, source: 'stored' });
    expect(error).toHaveBeenCalledWith('auth.fenced', { tenantId: 't1', sessionId: 's1', epoch: 4 });
  });

  it('builds no child logger per session', () => {
    const logger = silentLogger.createChild();
    const createChild = vi.spyOn(logger, 'createChild');

    sessionLog(logger, { sessionId: 's1' }).warn('auth.backup.failed');

    expect(createChild).not.toHaveBeenCalled();
  });
});
