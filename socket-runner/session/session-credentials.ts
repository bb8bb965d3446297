/**
 * The session actor's hold on its auth state (socket-runner/auth): opened once per ownership and kept across
 * reconnects, saved on every creds update, flushed before the actor lets go, purged after a logout or a
 * deletion. A save refused with FencedError means another owner exists: `onFenced`, and the actor stops.
 */
import type { Logger } from '../../core/logger.ts';
import { FencedError, type OwnedSession, type SessionAuthState } from '../contracts.ts';
import type { AuthStates } from './actor-config.ts';

export interface SessionCredentialsDeps {
  readonly owned: OwnedSession;
  readonly auth: AuthStates;
  readonly logger: Logger;
  readonly onFenced: () => void;
}

export class SessionCredentials {
  private auth: SessionAuthState | undefined;

  constructor(private readonly deps: SessionCredentialsDeps) {}

  /** The opened auth state, for a connection attempt. */
  get state(): SessionAuthState | undefined {
    return this.auth;
  }

  /** True when the auth state is open and was paired. */
  hasCredentials(): boolean {
    return this.auth?.hasCredentials() ?? false;
  }

  /** Opens the auth state, unless it is open already. Rejects as `AuthStates.open` does (FencedError, ...). */
  async open(): Promise<void> {
    this.auth ??= await this.deps.auth.open(this.deps.owned);
  }

  /** Persists the creds Baileys just changed, in the background. */
  save(): void {
    this.auth?.saveCreds().catch((error: unknown) => {
      if (error instanceof FencedError) this.deps.onFenced();
      else this.deps.logger.error('session.creds_save_failed', { error });
    });
  }

  /** Waits for every pending credential write to land (failures are logged). */
  async flush(): Promise<void> {
    await this.flushed(this.auth);
  }

  /**
   * Removes the stored credentials. The auth state is dropped first (no new write can start) and its
   * pending writes land before the purge, so none resurrects part of what the purge removes.
   */
  async purge(): Promise<void> {
    const auth = this.auth;
    this.auth = undefined;
    await this.flushed(auth);
    await this.deps.auth.purge(this.deps.owned.tenantId, this.deps.owned.sessionId);
  }

  /** Drops the auth state from memory (the actor ended). */
  forget(): void {
    this.auth = undefined;
  }

  private async flushed(auth: SessionAuthState | undefined): Promise<void> {
    try {
      await auth?.flush();
    } catch (error) {
      this.deps.logger.warn('session.creds_flush_failed', { error });
    }
  }
}
