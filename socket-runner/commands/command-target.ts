/**
 * What the command side needs of a hosted session (implemented by the session actor): whether commands of
 * a kind can run now, the live connection, and the session-level operations some commands are.
 */
import type { Pacing, SessionRecord } from '../../core/domain/session.ts';
import type { Readiness } from '../session/actor-config.ts';
import type { WhatsAppConnection } from '../whatsapp/whatsapp-connection.ts';

export interface CommandTarget {
  readonly tenantId: string;
  readonly sessionId: string;
  readiness(): Readiness;
  /** The live connection while open. */
  connectionForCommands(): WhatsAppConnection | undefined;
  requestPairingCode(phoneNumber: string): Promise<string>;
  logout(): Promise<void>;
  pacing(): Pacing;
  refreshRecord(): Promise<SessionRecord | undefined>;
}
