/**
 * Events: what happened, published by runners, the API and the scheduler to the events queue, and delivered
 * by lambdas/webhooks to tenant endpoints. The envelope is versioned (`v`) and stable; `data` depends on
 * `type`. `id` is unique per event and becomes the Standard Webhooks `webhook-id`.
 */
import type { CommandStatus } from './command.ts';
import type { SessionStatus } from './session.ts';

export const eventTypes = [
  'session.status',
  'session.qr',
  'session.needs_pairing',
  'message.received',
  'message.status',
  'campaign.progress',
  'alert',
] as const;
export type EventType = (typeof eventTypes)[number];

export interface EventEnvelope<T extends EventType = EventType, D = EventData[T]> {
  readonly v: 1;
  readonly id: string;
  readonly type: T;
  readonly tenantId: string;
  readonly sessionId?: string;
  readonly occurredAt: string;
  readonly correlationId?: string;
  readonly data: D;
}

export interface SessionStatusData {
  readonly status: SessionStatus;
  readonly previousStatus?: SessionStatus;
  readonly reason?: string;
  readonly phoneNumber?: string;
  readonly disconnectCode?: number;
}

export interface SessionQrData {
  readonly qr: string;
  readonly expiresAt: string;
}

export interface NeedsPairingData {
  readonly reason: string;
  readonly disconnectCode?: number;
}

export interface ReceivedMessageData {
  readonly waMessageId: string;
  readonly from: string;
  readonly chat: string;
  readonly pushName?: string;
  readonly timestamp: string;
  readonly type: 'text' | 'image' | 'video' | 'audio' | 'document' | 'sticker' | 'location' | 'contact' | 'reaction' | 'other';
  readonly text?: string;
  readonly media?: { readonly mimetype?: string; readonly fileName?: string; readonly fileLength?: number; readonly caption?: string };
  readonly location?: { readonly latitude: number; readonly longitude: number; readonly name?: string };
  readonly reaction?: { readonly emoji: string; readonly targetMessageId: string };
  readonly replyTo?: string;
}

export interface MessageStatusData {
  readonly messageId: string;
  readonly waMessageId?: string;
  readonly status: CommandStatus;
  readonly reason?: string;
  readonly to?: string;
  readonly campaignId?: string;
}

export interface CampaignProgressData {
  readonly campaignId: string;
  readonly status: string;
  readonly counts: Record<string, number>;
  readonly reason?: string;
}

export interface AlertData {
  readonly alert: 'logged_out' | 'stuck_disconnected' | 'pacing_tripped' | 'session_parked' | string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export interface EventData {
  'session.status': SessionStatusData;
  'session.qr': SessionQrData;
  'session.needs_pairing': NeedsPairingData;
  'message.received': ReceivedMessageData;
  'message.status': MessageStatusData;
  'campaign.progress': CampaignProgressData;
  alert: AlertData;
}

export type AnyEvent = { [T in EventType]: EventEnvelope<T> }[EventType];
