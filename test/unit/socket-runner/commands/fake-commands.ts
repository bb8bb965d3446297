// An in-memory CommandStore with the repository's rules: forward-only conditional transitions, the queued
// index (kept while `sending` with keepPending), and the conditional re-claim of a stale send.
import type { Page } from '../../../../core/aws/dynamo-table.ts';
import type { TransitionDetails } from '../../../../core/commands/command-repository.ts';
import { isForward, type CommandRecord, type CommandStatus, type CommandType } from '../../../../core/domain/command.ts';
import { newId } from '../../../../core/ids.ts';
import type { CommandStore } from '../../../../socket-runner/commands/command-executor.ts';

type Stored = CommandRecord & { pending: boolean };

export class FakeCommandStore implements CommandStore {
  readonly items = new Map<string, Stored>();

  add(overrides: Partial<CommandRecord> & { type?: CommandType } = {}): CommandRecord {
    const now = new Date().toISOString();
    const record: Stored = {
      tenantId: 'tenant-a',
      sessionId: 'session-1',
      commandId: newId(),
      type: 'send_message',
      status: 'queued',
      payload: { type: 'text', text: 'hello', to: '4915112345678@s.whatsapp.net' },
      trail: [{ status: overrides.status ?? 'queued', at: now }],
      notAfter: new Date(Date.now() + 3_600_000).toISOString(),
      createdAt: now,
      updatedAt: now,
      pending: true,
      ...overrides,
    };
    record.pending = record.status === 'queued' || record.status === 'sending';
    this.items.set(record.commandId, record);
    return record;
  }

  status(commandId: string): CommandStatus | undefined {
    return this.items.get(commandId)?.status;
  }

  async get<P>(_t: string, _s: string, commandId: string) {
    const item = this.items.get(commandId);
    return item ? (structuredClone(item) as unknown as CommandRecord<P>) : undefined;
  }

  async transition<P>(_t: string, _s: string, commandId: string, next: CommandStatus, details: TransitionDetails = {}) {
    const item = this.items.get(commandId);
    if (!item || !isForward(item.status, next)) return undefined;
    const at = details.at ?? new Date().toISOString();
    const updated: Stored = {
      ...item,
      status: next,
      updatedAt: at,
      result: details.result ?? item.result,
      failure: details.failure ?? item.failure,
      trail: [...item.trail, { status: next, at, ...(details.reason ? { reason: details.reason } : {}) }],
      pending: details.keepPending ? item.pending : false,
      ...(details.claimEpoch === undefined ? {} : { claimEpoch: details.claimEpoch }),
    };
    this.items.set(commandId, updated);
    return structuredClone(updated) as unknown as CommandRecord<P>;
  }

  async retrySending<P>(_t: string, _s: string, commandId: string, observedUpdatedAt: string, _reason?: string, claimEpoch?: number) {
    const item = this.items.get(commandId);
    if (!item || item.status !== 'sending' || item.updatedAt !== observedUpdatedAt) return undefined;
    const at = new Date(Math.max(Date.now(), Date.parse(item.updatedAt) + 1)).toISOString();
    const updated: Stored = { ...item, updatedAt: at, claimEpoch, trail: [...item.trail, { status: 'sending', at, reason: 'retry' }] };
    this.items.set(commandId, updated);
    return structuredClone(updated) as unknown as CommandRecord<P>;
  }

  async listQueued(): Promise<Page<CommandRecord>> {
    const items = [...this.items.values()].filter((i) => i.pending).sort((a, b) => (a.commandId < b.commandId ? -1 : 1));
    return { items: structuredClone(items) };
  }
}
