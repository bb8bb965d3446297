/**
 * The WhatsApp session as the control plane sees it: its record in the sessions table, its statuses and the
 * pacing settings that throttle its sends. Written by the API (create, desired state) and by the owning
 * runner (status, QR, phone number, owner), the latter fenced by lease epoch.
 */
import * as z from 'zod';

export const sessionStatuses = [
  'created',
  'connecting',
  'qr',
  'open',
  'reconnecting',
  'needs_pairing',
  'stopped',
  'failed',
] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

export type DesiredState = 'running' | 'stopped';

export const pacingSchema = z
  .object({
    perMinute: z.number().int().min(1).max(120).describe('Sustained sends per minute for this session.'),
    burst: z.number().int().min(1).max(60).describe('Sends allowed back to back before pacing applies.'),
    jitterMs: z.number().int().min(0).max(60_000).describe('Random extra delay added to each paced send, up to this many ms.'),
  })
  .strict();
export type Pacing = z.infer<typeof pacingSchema>;

/** Conservative defaults: a new number that sends faster than this is what gets banned. */
export const DEFAULT_PACING: Pacing = { perMinute: 20, burst: 5, jitterMs: 2_000 };

export interface DisconnectInfo {
  readonly code: number;
  readonly reason: string;
  readonly at: string;
}

export interface SessionRecord {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly name?: string;
  readonly status: SessionStatus;
  /** Why the session is in its status, when that is not obvious (e.g. parked by the circuit breaker). */
  readonly statusReason?: string;
  readonly desiredState: DesiredState;
  /** Digits of the paired phone number, once paired. */
  readonly phoneNumber?: string;
  readonly ownerRunnerId?: string;
  /** Slot of the owning runner: where its commands go. */
  readonly slot?: number;
  /** Lease epoch of the last owner that wrote the record. */
  readonly epoch?: number;
  readonly qr?: string;
  readonly qrExpiresAt?: string;
  readonly pairingCode?: string;
  readonly lastDisconnect?: DisconnectInfo;
  readonly pacing: Pacing;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly statusChangedAt: string;
  /** When the tenant last set the desired state (create, start, stop): a start after a parked status resets it. */
  readonly desiredStateChangedAt?: string;
  /** Set when the tenant deleted the session; the runner logs out and purges, then the item expires. */
  readonly deletedAt?: string;
}

/** Partition value of the sparse gsi1 that lists every session a runner should hold. */
export const RUNNABLE_PARTITION = 'runnable';

/** Statuses in which the session has a live (or coming) socket. */
export function isLive(status: SessionStatus): boolean {
  return status === 'connecting' || status === 'qr' || status === 'open' || status === 'reconnecting';
}
