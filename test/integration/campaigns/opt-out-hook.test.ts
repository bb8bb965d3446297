import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../core/aws/tables.ts';
import { SuppressionStore } from '../../../core/campaigns/suppression-store.ts';
import { handleEvents } from '../../../lambdas/webhooks/handler.ts';
import { pollOnce, webhooksHarness, type WebhooksHarness } from '../webhooks/webhooks-harness.ts';

describe('opt-out through the events consumer', () => {
  let h: WebhooksHarness;

  beforeAll(async () => {
    h = await webhooksHarness();
  });
  afterAll(() => h.close());

  it('suppresses a contact who answers STOP, and nobody else', async () => {
    const message = (from: string, text: string) =>
      h.event('message.received', 'tenant-stop', 'session-1', { waMessageId: `W${from}`, from, chat: `${from}@s.whatsapp.net`, timestamp: new Date().toISOString(), type: 'text', text });
    await h.publish(message('4915112345678', 'stop'), message('4915112345679', 'stop sending me this?'), message('4915112345670', 'Baja.'));
    await pollOnce(h.eventsQueue, (event) => handleEvents(h.deps, event));

    const suppressions = new SuppressionStore(openTable(h.aws.clients.doc, 'tenants', h.aws.env), h.clock);
    const listed = await suppressions.list('tenant-stop', { limit: 10 });
    expect(listed.items.map((s) => [s.phoneNumber, s.source, s.keyword])).toEqual([
      ['4915112345670', 'opt_out', 'BAJA'],
      ['4915112345678', 'opt_out', 'STOP'],
    ]);
    expect((await suppressions.list('another-tenant', { limit: 10 })).items).toEqual([]);
  });
});
