/**
 * The shape of lease items in the leases table (D4) and their keys. Two kinds share one protocol:
 * - a session lease (pk `tenantId#sessionId`, sk `session-lease`): which runner holds the session's socket;
 * - a slot lease (pk `slot#k`, sk `slot-lease`): which runner polls slot k's command queue (D3).
 * `epoch` is the fencing token: +1 on every acquisition, kept on release, never reused. `renewToken` is
 * random per renewal: a contender watches it, and takes over only after it stayed unchanged for the whole
 * lease duration on its own clock. gsi1 lists leases by owner while owned (keys only: see LeaseStore.heldBy).
 */

export type LeaseKind = 'session' | 'slot';

export interface LeaseKey {
  readonly pk: string;
  readonly sk: string;
}

/** What a lease is for; carried onto the item so the table reads on its own. */
export interface LeaseSubject extends LeaseKey {
  readonly kind: LeaseKind;
  readonly tenantId?: string;
  readonly sessionId?: string;
  /** For a session lease: the owner's slot (where the session's commands go). For a slot lease: k. */
  readonly slot: number;
}

export interface LeaseItem extends LeaseKey {
  readonly kind: LeaseKind;
  readonly epoch: number;
  /** Present while held; absent once released. */
  readonly owner?: string;
  readonly renewToken?: string;
  readonly slot?: number;
  readonly tenantId?: string;
  readonly sessionId?: string;
  /** Wall-clock ms, informational only: safety never reads another machine's clock. */
  readonly acquiredAt?: number;
  readonly renewedAt?: number;
  readonly releasedAt?: number;
}

/** What the contender saw, and therefore what its conditional acquisition expects to still be there. */
export type ExpectedLease =
  | { readonly state: 'absent'; readonly baseEpoch: number }
  | { readonly state: 'released'; readonly epoch: number }
  | { readonly state: 'held'; readonly epoch: number; readonly renewToken: string };

export const SESSION_LEASE_SK = 'session-lease';
export const SLOT_LEASE_SK = 'slot-lease';

export function sessionLeaseKey(tenantId: string, sessionId: string): LeaseKey {
  return { pk: `${tenantId}#${sessionId}`, sk: SESSION_LEASE_SK };
}

export function slotLeaseKey(slot: number): LeaseKey {
  return { pk: `slot#${slot}`, sk: SLOT_LEASE_SK };
}

export function sessionLeaseSubject(tenantId: string, sessionId: string, slot: number): LeaseSubject {
  return { ...sessionLeaseKey(tenantId, sessionId), kind: 'session', tenantId, sessionId, slot };
}

export function slotLeaseSubject(slot: number): LeaseSubject {
  return { ...slotLeaseKey(slot), kind: 'slot', slot };
}

/** One string per lease, for maps. */
export function leaseId(key: LeaseKey): string {
  return `${key.pk}|${key.sk}`;
}

export function isReleased(item: LeaseItem): boolean {
  return item.renewToken === undefined;
}

/** The gsi1 partition that lists the leases one runner holds. */
export function ownerPartition(owner: string): string {
  return `owner#${owner}`;
}
