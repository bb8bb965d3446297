// An in-memory LeaseStorePort with the same conditional semantics as the DynamoDB adapter, plus fault
// hooks: a write can be refused before it applies (transport error) or applied with its response lost.
import { ConditionFailedError, DependencyError } from '../../../../core/errors.ts';
import { leaseId, type ExpectedLease, type LeaseItem, type LeaseKey, type LeaseSubject } from '../../../../socket-runner/lease/lease-records.ts';
import type { Grant, Holding, LeaseStorePort } from '../../../../socket-runner/lease/lease-store.ts';

export type Fault = 'none' | 'fail-before' | 'lose-response';

export class MemoryLeaseStore implements LeaseStorePort {
  readonly items = new Map<string, LeaseItem>();
  /** Fault applied to renewals (and reads when `readsFail`). */
  renewFault: Fault = 'none';
  readsFail = false;
  renewCalls = 0;

  async read(key: LeaseKey): Promise<LeaseItem | undefined> {
    if (this.readsFail) throw new DependencyError('dynamodb', 'read timed out');
    return this.items.get(leaseId(key));
  }

  async readMany(keys: readonly LeaseKey[]): Promise<Map<string, LeaseItem>> {
    const found = new Map<string, LeaseItem>();
    for (const key of keys) {
      const item = this.items.get(leaseId(key));
      if (item) found.set(leaseId(key), item);
    }
    return found;
  }

  async acquire(subject: LeaseSubject, expected: ExpectedLease, grant: Grant): Promise<LeaseItem> {
    const current = this.items.get(leaseId(subject));
    const ok =
      expected.state === 'absent'
        ? !current
        : expected.state === 'released'
          ? current !== undefined && current.renewToken === undefined && current.epoch === expected.epoch
          : current?.renewToken === expected.renewToken && current.epoch === expected.epoch;
    if (!ok) throw new ConditionFailedError('lease changed');
    const epoch = expected.state === 'absent' ? expected.baseEpoch + 1 : expected.epoch + 1;
    const item: LeaseItem = { pk: subject.pk, sk: subject.sk, kind: subject.kind, epoch, owner: grant.owner, renewToken: grant.renewToken, slot: subject.slot };
    this.items.set(leaseId(subject), item);
    return item;
  }

  async renew(key: LeaseKey, holding: Holding, nextToken: string): Promise<void> {
    this.renewCalls++;
    if (this.renewFault === 'fail-before') throw new DependencyError('dynamodb', 'TimeoutError');
    this.check(key, holding);
    this.items.set(leaseId(key), { ...(this.items.get(leaseId(key)) as LeaseItem), renewToken: nextToken });
    if (this.renewFault === 'lose-response') throw new DependencyError('dynamodb', 'TimeoutError');
  }

  async release(key: LeaseKey, holding: Holding): Promise<void> {
    this.check(key, holding);
    const { owner: _owner, renewToken: _token, ...rest } = this.items.get(leaseId(key)) as LeaseItem;
    this.items.set(leaseId(key), rest);
  }

  async remove(key: LeaseKey, holding: Holding): Promise<void> {
    this.check(key, holding);
    this.items.delete(leaseId(key));
  }

  /** Another runner takes the lease over (as if after expiry). */
  steal(key: LeaseKey, owner: string): void {
    const current = this.items.get(leaseId(key)) as LeaseItem;
    this.items.set(leaseId(key), { ...current, owner, renewToken: `stolen-${owner}`, epoch: current.epoch + 1 });
  }

  private check(key: LeaseKey, holding: Holding): void {
    const current = this.items.get(leaseId(key));
    if (
      !current ||
      current.owner !== holding.owner ||
      current.epoch !== holding.epoch ||
      current.renewToken === undefined ||
      !holding.tokens.includes(current.renewToken)
    ) {
      throw new ConditionFailedError('lease changed');
    }
  }
}
