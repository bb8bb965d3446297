/**
 * Requests the owner runner answers while the client waits: a pairing code (link a phone by number instead
 * of a QR scan) and a check of which numbers are on WhatsApp. Each is a command recorded and delivered like
 * any other, then awaited (await-command-result.ts). They expire soon after the wait, so a runner that
 * finds one late drops it instead of acting for nobody.
 */
import type { CheckContactsPayload, CheckContactsResult, PairingCodePayload, PairingCodeResult } from '../../../core/domain/message.ts';
import type { SessionRecord } from '../../../core/domain/session.ts';
import { ConflictError, ValidationError } from '../../../core/errors.ts';
import { newId } from '../../../core/ids.ts';
import { awaitCommandResult, type AwaitDeps } from './await-command-result.ts';
import { dispatchCommand, expiryFrom } from './dispatch-command.ts';
import { loadPhoneNumbers } from './phone-numbers.ts';
import type { SessionDeps } from './sessions.ts';

export interface RunnerRequestDeps extends SessionDeps {
  readonly sleep: AwaitDeps['sleep'];
  readonly runnerReplyTimeoutMs: number;
}

/** Grace beyond the wait before a runner must drop the request. */
const EXPIRY_GRACE_SECONDS = 5;

/** Asks the owner for a pairing code for `phoneNumber`; the session must be up and not yet paired. */
export async function requestPairingCode(
  deps: RunnerRequestDeps,
  input: { tenantId: string; sessionId: string; phoneNumber: string; correlationId?: string },
): Promise<PairingCodeResult> {
  const { maskPhone, normalizePhoneNumber } = await loadPhoneNumbers();
  const phoneNumber = normalizePhoneNumber(input.phoneNumber);
  if (!phoneNumber) throw invalidNumbers(['phoneNumber']);
  const session = await deps.sessions.require(input.tenantId, input.sessionId);
  if (session.status === 'open') throw new ConflictError('session_already_paired', 'The session is already linked to a phone');
  if (session.status !== 'qr' && session.status !== 'connecting') throw notConnected(session);
  deps.logger.info('pairing_code.requested', { sessionId: session.sessionId, phone: maskPhone(phoneNumber) });
  return request<PairingCodePayload, PairingCodeResult>(deps, session, 'request_pairing_code', { phoneNumber }, input.correlationId);
}

/** Asks the owner which of `phoneNumbers` are on WhatsApp; the session must be open. */
export async function checkContacts(
  deps: RunnerRequestDeps,
  input: { tenantId: string; sessionId: string; phoneNumbers: readonly string[]; correlationId?: string },
): Promise<CheckContactsResult> {
  const { normalizePhoneNumber } = await loadPhoneNumbers();
  const normalized = input.phoneNumbers.map((raw) => normalizePhoneNumber(raw));
  const invalid = normalized.flatMap((digits, index) => (digits ? [] : [`phoneNumbers.${index}`]));
  if (invalid.length > 0) throw invalidNumbers(invalid);
  const session = await deps.sessions.require(input.tenantId, input.sessionId);
  if (session.status !== 'open') {
    throw new ConflictError('session_not_open', `The session is ${session.status}; contacts can be checked only while it is open`, {
      status: session.status,
    });
  }
  const phoneNumbers = [...new Set(normalized as string[])];
  return request<CheckContactsPayload, CheckContactsResult>(deps, session, 'check_contacts', { phoneNumbers }, input.correlationId);
}

async function request<P, R>(
  deps: RunnerRequestDeps,
  session: SessionRecord,
  type: 'request_pairing_code' | 'check_contacts',
  payload: P,
  correlationId: string | undefined,
): Promise<R> {
  const waitSeconds = Math.ceil(deps.runnerReplyTimeoutMs / 1000) + EXPIRY_GRACE_SECONDS;
  const command = await dispatchCommand<P>(deps, session, {
    commandId: newId(deps.clock.now()),
    type,
    payload,
    notAfter: expiryFrom(deps.clock, waitSeconds),
    correlationId,
  });
  return awaitCommandResult<R>(deps, command, deps.runnerReplyTimeoutMs);
}

function notConnected(session: SessionRecord): ConflictError {
  return new ConflictError(
    'session_not_connected',
    `The session is ${session.status}; request a pairing code while it waits for a scan (status qr)`,
    { status: session.status },
  );
}

function invalidNumbers(paths: readonly string[]): ValidationError {
  return new ValidationError(
    'Not a valid phone number',
    paths.map((path) => ({ in: 'body', path, message: 'Expected an E.164 phone number such as +4915112345678' })),
  );
}
