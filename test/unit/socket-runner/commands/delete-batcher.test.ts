import { describe, expect, it } from 'vitest';
import { DeleteBatcher, type DeletingQueue } from '../../../../socket-runner/commands/delete-batcher.ts';

/** A queue whose requests stay open until the test lets them return. */
class GatedQueue implements DeletingQueue {
  readonly requests: string[][] = [];
  private gates: (() => void)[] = [];
  fail = false;

  delete(handle: string): Promise<void> {
    return this.request([handle]);
  }
  deleteMany(handles: readonly string[]): Promise<void> {
    return this.request([...handles]);
  }
  /** Lets the oldest open request return. */
  release(): void {
    this.gates.shift()?.();
  }
  /** Lets the newest open request return. */
  releaseNewest(): void {
    this.gates.pop()?.();
  }
  private request(handles: string[]): Promise<void> {
    this.requests.push(handles);
    return new Promise((resolve, reject) => this.gates.push(() => (this.fail ? reject(new Error('sqs down')) : resolve())));
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('DeleteBatcher', () => {
  it('deletes at once when nothing is in flight, one request per message', async () => {
    const queue = new GatedQueue();
    const batcher = new DeleteBatcher(queue, () => {}, 1);

    const first = batcher.delete('a');
    await settle();
    queue.release();
    await first;
    const second = batcher.delete('b');
    await settle();
    queue.release();
    await second;

    expect(queue.requests).toEqual([['a'], ['b']]);
  });

  it('sends the deletes asked for while every request is busy together when one returns, at most 10 per request', async () => {
    const queue = new GatedQueue();
    const batcher = new DeleteBatcher(queue, () => {}, 1);
    const handles = Array.from({ length: 13 }, (_, i) => `h${i}`);

    const done = handles.map((handle) => batcher.delete(handle));
    for (let i = 0; i < 3; i++) {
      await settle();
      queue.release();
    }
    await Promise.all(done);

    expect(queue.requests).toEqual([['h0'], handles.slice(1, 11), handles.slice(11)]);
  });

  it('reports a failed request and resolves its deletes, then goes on with the next ones', async () => {
    const queue = new GatedQueue();
    const failures: number[] = [];
    const batcher = new DeleteBatcher(queue, (_error, messages) => failures.push(messages), 1);

    queue.fail = true;
    const failed = [batcher.delete('a'), batcher.delete('b'), batcher.delete('c')];
    await settle();
    queue.release();
    await settle();
    queue.fail = false;
    queue.release();
    await Promise.all(failed);

    expect(failures).toEqual([1]);
    expect(queue.requests).toEqual([['a'], ['b', 'c']]);
  });

  it('keeps deleting while one request is stuck, up to the in-flight limit', async () => {
    const queue = new GatedQueue();
    const batcher = new DeleteBatcher(queue, () => {}, 2);

    void batcher.delete('stuck');
    const b = batcher.delete('b');
    await settle();
    queue.releaseNewest();
    await b;
    await settle();
    const rest = [batcher.delete('c'), batcher.delete('d'), batcher.delete('e')];
    await settle();
    queue.releaseNewest();
    await settle();
    queue.releaseNewest();
    await Promise.all(rest);

    expect(queue.requests).toEqual([['stuck'], ['b'], ['c'], ['d', 'e']]);
  });
});
