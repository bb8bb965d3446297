import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../../core/clock.ts';
import { waMessageIdFor } from '../../../../core/ids.ts';
import { ReceiptRecorder } from '../../../../socket-runner/commands/receipt-recorder.ts';
import { CollectingPublisher, silentLogger } from '../session/fakes.ts';
import { FakeCommandStore } from './fake-commands.ts';

function fixture() {
  const store = new FakeCommandStore();
  const events = new CollectingPublisher();
  const recorder = new ReceiptRecorder({ tenantId: 'tenant-a', sessionId: 'session-1', commands: store, events, clock: systemClock, logger: silentLogger });
  const transition = vi.spyOn(store, 'transition');
  return { store, events, recorder, transition };
}

describe('ReceiptRecorder', () => {
  it('records each forward receipt once and announces it', async () => {
    const f = fixture();
    const command = f.store.add({ status: 'sent' });
    const waMessageId = waMessageIdFor(command.commandId);

    f.recorder.record({ waMessageId, status: 'delivered' });
    f.recorder.record({ waMessageId, status: 'read' });
    await f.recorder.drain();

    expect(f.store.status(command.commandId)).toBe('read');
    expect(f.events.ofType('message.status').map((e) => e.data.status)).toEqual(['delivered', 'read']);
  });

  it("skips the request for a receipt that is not forward from a status it wrote (another device's copy)", async () => {
    const f = fixture();
    const command = f.store.add({ status: 'sent' });
    const waMessageId = waMessageIdFor(command.commandId);

    f.recorder.record({ waMessageId, status: 'delivered' });
    f.recorder.record({ waMessageId, status: 'delivered' });
    f.recorder.record({ waMessageId, status: 'sent' });
    f.recorder.record({ waMessageId, status: 'read' });
    f.recorder.record({ waMessageId, status: 'delivered' });
    await f.recorder.drain();

    expect(f.transition.mock.calls.map((call) => call[3])).toEqual(['delivered', 'read']);
    expect(f.events.ofType('message.status')).toHaveLength(2);
  });

  it('still asks the store about commands it wrote nothing for, or has forgotten', async () => {
    const f = fixture();
    const done = f.store.add({ status: 'delivered' });
    const early = f.store.add({ status: 'sent' });
    f.recorder.record({ waMessageId: waMessageIdFor(early.commandId), status: 'delivered' });
    for (let i = 0; i < 64; i++) f.recorder.record({ waMessageId: waMessageIdFor(f.store.add({ status: 'sent' }).commandId), status: 'delivered' });
    await f.recorder.drain();
    f.transition.mockClear();

    f.recorder.record({ waMessageId: waMessageIdFor(done.commandId), status: 'delivered' });
    f.recorder.record({ waMessageId: waMessageIdFor(early.commandId), status: 'delivered' });
    await f.recorder.drain();

    expect(f.transition).toHaveBeenCalledTimes(2);
    expect(f.events.ofType('message.status')).toHaveLength(65);
  });
});
