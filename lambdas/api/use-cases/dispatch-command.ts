/**
 * Accepting a command (ARCHITECTURE D2/D3): it is written to DynamoDB first, which is what makes it
 * accepted; then, when the session has an owner with a live socket, a pointer to it goes to the owner's
 * slot queue (FIFO, group = session). Otherwise it waits `queued` for the runner that claims the session,
 * which re-drives queued commands from DynamoDB. A failed SQS send after the write is logged, not raised:
 * the command is safe in DynamoDB and the re-drive delivers it.
 */
import type { Clock } from '../../../core/clock.ts';
import type { CommandRepository, NewCommand } from '../../../core/commands/command-repository.ts';
import type { CommandEnvelope, CommandRecord } from '../../../core/domain/command.ts';
import { isLive, type SessionRecord } from '../../../core/domain/session.ts';
import type { Logger } from '../../../core/logger.ts';

/** Delivers a command pointer to a slot's queue (core/commands/slot-queues.ts implements it). */
export interface CommandDelivery {
  send(slot: number, envelope: CommandEnvelope): Promise<void>;
}

export interface DispatchDeps {
  readonly commands: CommandRepository;
  readonly delivery: CommandDelivery;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Records a command for `session` and delivers it to the owner's slot when there is a live owner. */
export async function dispatchCommand<P>(
  deps: DispatchDeps,
  session: SessionRecord,
  command: Omit<NewCommand<P>, 'tenantId' | 'sessionId'>,
): Promise<CommandRecord<P>> {
  const { record } = await deps.commands.create<P>({ ...command, tenantId: session.tenantId, sessionId: session.sessionId });
  if (session.slot === undefined || session.slot === null || !isLive(session.status)) {
    deps.logger.info('command.queued_for_claim', { commandId: record.commandId, type: record.type, status: session.status });
    return record;
  }
  const envelope: CommandEnvelope = { v: 1, tenantId: session.tenantId, sessionId: session.sessionId, commandId: record.commandId };
  try {
    await deps.delivery.send(session.slot, envelope);
    deps.logger.info('command.delivered', { commandId: record.commandId, type: record.type, slot: session.slot });
  } catch (error) {
    deps.logger.warn('command.delivery_failed', { commandId: record.commandId, slot: session.slot, error: error as Error });
  }
  return record;
}

/** The instant after which a command expires: now + the requested lifetime, capped by the configured one. */
export function expiryFrom(clock: Clock, maxSeconds: number, requestedSeconds?: number): string {
  const seconds = Math.min(requestedSeconds ?? maxSeconds, maxSeconds);
  return new Date(clock.now() + seconds * 1000).toISOString();
}
