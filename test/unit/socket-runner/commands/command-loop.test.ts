import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReceivedMessage } from '../../../../core/aws/sqs-queue.ts';
import { systemClock } from '../../../../core/clock.ts';
import type { CommandEnvelope } from '../../../../core/domain/command.ts';
import type { CommandLane, LaneOutcome } from '../../../../socket-runner/commands/command-lane.ts';
import { createCommandLoop, type CommandLoop, type LoopConfig, type SlotQueue } from '../../../../socket-runner/commands/command-loop.ts';
import { silentLogger } from '../session/fakes.ts';

/** A slot queue whose receive hands out what was pushed, waiting (without timers) while empty. */
class FakeSlotQueue implements SlotQueue {
  private waiting: ((messages: ReceivedMessage[]) => void) | undefined;
  private backlog: ReceivedMessage[] = [];
  readonly deleted: string[] = [];
  readonly visibility: [string, number][] = [];
  receives = 0;

  push(body: string, id = `m${this.backlog.length + this.deleted.length}`): string {
    const message = { messageId: id, receiptHandle: `rh-${id}`, body, receiveCount: 1, sentAt: Date.now() - 250, attributes: {} };
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve([message]);
    } else this.backlog.push(message);
    return message.receiptHandle;
  }

  async receive(options: { abortSignal?: AbortSignal } = {}): Promise<ReceivedMessage[]> {
    this.receives++;
    if (this.backlog.length) return this.backlog.splice(0, 10);
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      options.abortSignal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }
  async delete(handle: string) {
    this.deleted.push(handle);
  }
  async deleteMany(handles: readonly string[]) {
    this.deleted.push(...handles);
  }
  async changeVisibility(handle: string, seconds: number) {
    this.visibility.push([handle, seconds]);
  }
}

const envelope = (overrides: Partial<CommandEnvelope> = {}): string =>
  JSON.stringify({ v: 1, tenantId: 'tenant-a', sessionId: 'session-1', commandId: 'cmd-1', ...overrides });

function fixture(options: { lane?: (commandId: string) => Promise<LaneOutcome>; ownerSlot?: number; config?: Partial<LoopConfig> } = {}) {
  const queue = new FakeSlotQueue();
  const forwarded: [number, CommandEnvelope][] = [];
  const outcomes: string[] = [];
  const submitted: string[] = [];
  const lane = {
    submit: (commandId: string) => {
      submitted.push(commandId);
      return options.lane ? options.lane(commandId) : Promise.resolve<LaneOutcome>('sent');
    },
  } as unknown as CommandLane;
  const loop: CommandLoop = createCommandLoop({
    queues: { queue: () => queue, send: async (slot, env) => void forwarded.push([slot, env]) },
    lanes: { lane: (tenantId, sessionId) => (tenantId === 'tenant-a' && sessionId === 'session-1' ? lane : undefined) },
    ownership: { ownerSlotOf: async () => options.ownerSlot },
    clock: systemClock,
    logger: silentLogger,
    metrics: { commandOutcome: (outcome) => void outcomes.push(outcome), queueLag: () => {} },
    config: options.config,
  });
  return { queue, forwarded, outcomes, submitted, loop };
}

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!check()) throw new Error(`never happened: ${what}`);
}

describe('command loop decisions', () => {
  let loop: CommandLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
    vi.useRealTimers();
  });

  it('hands a command for a hosted session to its lane, then deletes the message', async () => {
    const f = fixture();
    loop = f.loop;
    f.loop.start(0);
    const handle = f.queue.push(envelope());
    await until(() => f.queue.deleted.includes(handle), 'delete');
    expect(f.submitted).toEqual(['cmd-1']);
    expect(f.loop.isRunning()).toBe(true);
  });

  it('deletes and logs a poison message', async () => {
    const f = fixture();
    loop = f.loop;
    f.loop.start(0);
    const handle = f.queue.push('{"v":1,"tenantId":');
    const handle2 = f.queue.push(JSON.stringify({ v: 2, tenantId: 't' }));
    await until(() => f.queue.deleted.length === 2, 'both deleted');
    expect(f.queue.deleted).toEqual([handle, handle2]);
    expect(f.outcomes).toEqual(['poison', 'poison']);
    expect(f.submitted).toEqual([]);
  });

  it('does not hand another tenant a hosted session', async () => {
    const f = fixture({ ownerSlot: 0 });
    loop = f.loop;
    f.loop.start(0);
    f.queue.push(envelope({ tenantId: 'tenant-b' }));
    await until(() => f.queue.deleted.length === 1, 'delete');
    expect(f.submitted).toEqual([]);
  });

  it('forwards a command for a session owned on another slot, one hop more', async () => {
    const f = fixture({ ownerSlot: 4 });
    loop = f.loop;
    f.loop.start(0);
    f.queue.push(envelope({ sessionId: 'session-2', hops: 1 }));
    await until(() => f.queue.deleted.length === 1, 'delete');
    expect(f.forwarded).toEqual([[4, { v: 1, tenantId: 'tenant-a', sessionId: 'session-2', commandId: 'cmd-1', hops: 2 }]]);
  });

  it('stops forwarding after maxHops, and leaves an unowned session to the re-drive', async () => {
    const f = fixture({ ownerSlot: 4, config: { maxHops: 3 } });
    loop = f.loop;
    f.loop.start(0);
    f.queue.push(envelope({ sessionId: 'session-2', hops: 3 }));
    await until(() => f.queue.deleted.length === 1, 'delete');
    expect(f.forwarded).toEqual([]);
    expect(f.outcomes).toEqual(['forward_gave_up']);

    const g = fixture({ ownerSlot: undefined });
    await loop.stop();
    loop = g.loop;
    g.loop.start(0);
    g.queue.push(envelope({ sessionId: 'session-2' }));
    await until(() => g.queue.deleted.length === 1, 'delete');
    expect(g.forwarded).toEqual([]);
    expect(g.outcomes).toEqual(['left_for_redrive']);
  });

  it('does not forward to its own slot', async () => {
    const f = fixture({ ownerSlot: 0 });
    loop = f.loop;
    f.loop.start(0);
    f.queue.push(envelope({ sessionId: 'session-2' }));
    await until(() => f.queue.deleted.length === 1, 'delete');
    expect(f.forwarded).toEqual([]);
  });

  it('leaves the message to reappear soon when the store failed', async () => {
    const f = fixture({ lane: async () => 'error', config: { retryVisibilitySeconds: 7 } });
    loop = f.loop;
    f.loop.start(0);
    const handle = f.queue.push(envelope());
    await until(() => f.queue.visibility.length === 1, 'visibility change');
    expect(f.queue.visibility).toEqual([[handle, 7]]);
    expect(f.queue.deleted).toEqual([]);
  });

  it('keeps a long-running command invisible until it is done', async () => {
    vi.useFakeTimers();
    let finish: (outcome: LaneOutcome) => void = () => {};
    const f = fixture({ lane: () => new Promise((resolve) => (finish = resolve)), config: { visibilitySeconds: 60 } });
    loop = f.loop;
    f.loop.start(0);
    const handle = f.queue.push(envelope());
    await vi.advanceTimersByTimeAsync(95_000);
    expect(f.queue.visibility).toEqual([
      [handle, 60],
      [handle, 60],
      [handle, 60],
    ]);
    finish('sent');
    await vi.advanceTimersByTimeAsync(0);
    expect(f.queue.deleted).toEqual([handle]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(f.queue.visibility).toHaveLength(3);
  });

  it('stops receiving on stop and waits for the command in flight', async () => {
    let finish: (outcome: LaneOutcome) => void = () => {};
    const f = fixture({ lane: () => new Promise((resolve) => (finish = resolve)) });
    f.loop.start(0);
    const handle = f.queue.push(envelope());
    await until(() => f.submitted.length === 1, 'submit');
    let stopped = false;
    const stopping = f.loop.stop().then(() => (stopped = true));
    await until(() => !f.loop.isRunning(), 'not running');
    expect(stopped).toBe(false);
    finish('sent');
    await stopping;
    expect(f.queue.deleted).toEqual([handle]);
    const receives = f.queue.receives;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(f.queue.receives).toBe(receives);
  });
});
