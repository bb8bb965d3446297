// The runner's buffered publisher in front of the real events queue (SQS emulator): every event arrives,
// once, as the JSON envelope the webhooks function reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../../core/aws/sqs-queue.ts';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import { newEvent, SqsEventPublisher } from '../../../../core/events/event-publisher.ts';
import { BufferedEventPublisher } from '../../../../socket-runner/events/buffered-event-publisher.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { silentLogger } from '../../../unit/socket-runner/session/fakes.ts';

describe('buffered events on the events queue', () => {
  let aws: AwsFixture;
  let queue: SqsQueue;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    queue = new SqsQueue(aws.clients.sqs, aws.env.EVENTS_QUEUE_URL!);
  });
  afterAll(() => aws.close());

  it('delivers every event of a burst, batched, and the rest on close', async () => {
    const publisher = new BufferedEventPublisher(new SqsEventPublisher(queue), silentLogger);
    const events = Array.from({ length: 25 }, (_, i) =>
      newEvent('session.status', { tenantId: 'tenant-ev', sessionId: `s${i}` }, { status: 'open' }),
    ) as AnyEvent[];
    for (const event of events) await publisher.publish([event]);
    await publisher.close();

    const received: AnyEvent[] = [];
    for (let i = 0; i < 10 && received.length < 25; i++) {
      const messages = await queue.receive({ waitSeconds: 1, maxMessages: 10 });
      received.push(...messages.map((m) => JSON.parse(m.body) as AnyEvent));
      if (messages.length) await queue.deleteMany(messages.map((m) => m.receiptHandle));
    }
    expect(received.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(received[0]).toMatchObject({ v: 1, type: 'session.status', tenantId: 'tenant-ev', data: { status: 'open' } });
  });
});
