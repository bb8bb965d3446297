/**
 * Session lifecycle as the tenant drives it: create, read, list, start/stop (desired state, which the
 * runners act on), delete (marked deleted at once; a `logout` command asks the owner to log out and purge
 * credentials and backups, and a runner that claims a deleted session does the same), and reading the QR
 * the owner runner published.
 */
import type { Page } from '../../../core/aws/dynamo-table.ts';
import type { Clock } from '../../../core/clock.ts';
import type { CommandRecord } from '../../../core/domain/command.ts';
import { DEFAULT_PACING, type DesiredState, type Pacing, type SessionRecord } from '../../../core/domain/session.ts';
import { ConflictError } from '../../../core/errors.ts';
import { newId } from '../../../core/ids.ts';
import type { SessionRepository } from '../../../core/sessions/session-repository.ts';
import { dispatchCommand, expiryFrom, type DispatchDeps } from './dispatch-command.ts';

export interface SessionDeps extends DispatchDeps {
  readonly sessions: SessionRepository;
  readonly clock: Clock;
  readonly commandTtlSeconds: number;
}

export async function createSession(
  deps: Pick<SessionDeps, 'sessions' | 'clock'>,
  input: { tenantId: string; name?: string; pacing?: Partial<Pacing> },
): Promise<SessionRecord> {
  return deps.sessions.create({
    tenantId: input.tenantId,
    sessionId: newId(deps.clock.now()),
    name: input.name,
    pacing: { ...DEFAULT_PACING, ...input.pacing },
  });
}

export async function getSession(deps: Pick<SessionDeps, 'sessions'>, tenantId: string, sessionId: string): Promise<SessionRecord> {
  return deps.sessions.require(tenantId, sessionId);
}

export async function listSessions(
  deps: Pick<SessionDeps, 'sessions'>,
  tenantId: string,
  page: { limit: number; cursor?: string },
): Promise<Page<SessionRecord>> {
  return deps.sessions.list(tenantId, page);
}

/** Records whether the tenant wants the session running; a runner claims or releases it accordingly. */
export async function setDesiredState(
  deps: Pick<SessionDeps, 'sessions'>,
  input: { tenantId: string; sessionId: string; desiredState: DesiredState },
): Promise<SessionRecord> {
  return deps.sessions.setDesiredState(input.tenantId, input.sessionId, input.desiredState);
}

/** Deletes a session: gone for the tenant at once; the runner logs it out and purges its credentials. */
export async function deleteSession(
  deps: SessionDeps,
  input: { tenantId: string; sessionId: string; correlationId?: string },
): Promise<{ session: SessionRecord; logout: CommandRecord }> {
  const session = await deps.sessions.markDeleted(input.tenantId, input.sessionId);
  const logout = await dispatchCommand(deps, session, {
    commandId: newId(deps.clock.now()),
    type: 'logout',
    payload: { reason: 'deleted' },
    notAfter: expiryFrom(deps.clock, deps.commandTtlSeconds),
    correlationId: input.correlationId,
  });
  return { session, logout };
}

/** The QR the owner runner published, while the session waits for a scan and the code is fresh. */
export async function readQr(
  deps: Pick<SessionDeps, 'sessions' | 'clock'>,
  tenantId: string,
  sessionId: string,
): Promise<{ qr: string; expiresAt: string }> {
  const session = await deps.sessions.require(tenantId, sessionId);
  if (session.status !== 'qr' || !session.qr || !session.qrExpiresAt) {
    throw new ConflictError('session_not_waiting_for_scan', `The session is ${session.status}, not waiting for a QR scan`, {
      status: session.status,
    });
  }
  if (Date.parse(session.qrExpiresAt) <= deps.clock.now()) {
    throw new ConflictError('qr_expired', 'The QR code expired; the session publishes a new one shortly', { status: session.status });
  }
  return { qr: session.qr, expiresAt: session.qrExpiresAt };
}
