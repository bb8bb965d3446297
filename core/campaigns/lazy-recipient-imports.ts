/**
 * A `RecipientImports` built on first use: the API function constructs its S3-backed imports (and loads the
 * S3 SDK and presigner) only when a request first touches a CSV import, not at cold start. A failed load is
 * not remembered, so the next request tries again.
 */
import type { ImportUpload, RecipientImports } from './recipient-imports.ts';

export class LazyRecipientImports implements RecipientImports {
  private loading: Promise<RecipientImports> | undefined;

  constructor(private readonly load: () => Promise<RecipientImports>) {}

  async createUpload(tenantId: string): Promise<ImportUpload> {
    return (await this.target()).createUpload(tenantId);
  }

  async open(tenantId: string, importId: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    return (await this.target()).open(tenantId, importId);
  }

  private target(): Promise<RecipientImports> {
    if (!this.loading) {
      const loading = this.load();
      this.loading = loading;
      loading.catch(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    }
    return this.loading;
  }
}
