/**
 * The logger handed to Baileys. Baileys logs a lot, with objects that carry JIDs (phone numbers), message
 * nodes and keys; none of that may reach our logs. This bridge forwards only warnings and errors, as the
 * constant message Baileys gives plus an error's message with long digit runs masked, into our structured
 * logger (which carries tenantId/sessionId). Trace/debug/info are dropped.
 */
import type { SocketConfig } from '@whiskeysockets/baileys';
import type { Logger } from '../../core/logger.ts';

type ILogger = SocketConfig['logger'];

/** Masks every run of 6+ digits (a phone number, a JID user) to its first 2 and last 2 digits. */
export function redactDigits(text: string): string {
  return text.replace(/\d{6,}/g, (digits) => `${digits.slice(0, 2)}${'•'.repeat(digits.length - 4)}${digits.slice(-2)}`);
}

export function bridgeBaileysLogger(logger: Logger): ILogger {
  const forward = (level: 'warn' | 'error') => (obj: unknown, msg?: string) => {
    const message = typeof obj === 'string' ? obj : (msg ?? 'baileys');
    const error = errorOf(obj);
    logger[level]('baileys.log', { baileysMessage: redactDigits(message).slice(0, 200), ...(error ? { error: redactDigits(error).slice(0, 300) } : {}) });
  };
  const bridge: ILogger = {
    level: 'warn',
    child: () => bridge,
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: forward('warn'),
    error: forward('error'),
  };
  return bridge;
}

function errorOf(obj: unknown): string | undefined {
  if (obj instanceof Error) return obj.message;
  if (obj && typeof obj === 'object') {
    const candidate = (obj as { err?: unknown; error?: unknown }).err ?? (obj as { error?: unknown }).error;
    if (candidate instanceof Error) return candidate.message;
  }
  return undefined;
}
