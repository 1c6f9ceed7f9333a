import { DeadlineQueue } from '../../src/core/deadlines';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DeadlineQueue: many deadlines of one delay on one timer', () => {
  it('expires each deadline once, no sooner than its delay, in the order they were set', async () => {
    const queue = new DeadlineQueue(30);
    const fired: [string, number][] = [];
    const start = performance.now();
    queue.add(() => fired.push(['a', performance.now() - start]));
    await sleep(10);
    queue.add(() => fired.push(['b', performance.now() - start]));
    await sleep(60);
    expect(fired.map(([name]) => name)).toEqual(['a', 'b']);
    // Timers may fire up to a millisecond early by the high-resolution clock; never more.
    expect(fired[0]?.[1]).toBeGreaterThanOrEqual(29);
    expect(fired[1]?.[1]).toBeGreaterThanOrEqual(39);
  });

  it('never expires a cancelled deadline, whether it was the first or one behind it', async () => {
    const queue = new DeadlineQueue(20);
    const fired: string[] = [];
    const first = queue.add(() => fired.push('first'));
    queue.add(() => fired.push('second'));
    const third = queue.add(() => fired.push('third'));
    first.cancel();
    third.cancel();
    third.cancel();
    await sleep(50);
    expect(fired).toEqual(['second']);
  });

  it('keeps a deadline set after the queue emptied on time', async () => {
    const queue = new DeadlineQueue(20);
    const fired: string[] = [];
    queue.add(() => fired.push('early')).cancel();
    await sleep(10);
    queue.add(() => fired.push('late'));
    await sleep(15);
    expect(fired).toEqual([]);
    await sleep(25);
    expect(fired).toEqual(['late']);
  });

  it('holds the process open only while a deadline is pending', () => {
    const queue = new DeadlineQueue(1000);
    const timerOf = () => (queue as unknown as { timer: NodeJS.Timeout | undefined }).timer;
    const deadline = queue.add(() => {});
    expect(timerOf()?.hasRef()).toBe(true);
    deadline.cancel();
    expect(timerOf()?.hasRef()).toBe(false);
    const again = queue.add(() => {});
    expect(timerOf()?.hasRef()).toBe(true);
    again.cancel();
  });

  it('works where setTimeout returns a number (Workers, Deno, the Edge runtime): no ref or unref is called on it', async () => {
    const realSetTimeout = globalThis.setTimeout;
    const numbered = ((callback: () => void, ms: number) => Number(realSetTimeout(callback, ms)[Symbol.toPrimitive]())) as unknown as typeof setTimeout;
    globalThis.setTimeout = numbered;
    try {
      const queue = new DeadlineQueue(10);
      const fired: string[] = [];
      queue.add(() => fired.push('cancelled')).cancel();
      queue.add(() => fired.push('kept'));
      await sleep(40);
      expect(fired).toEqual(['kept']);
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
  });

  it('lets no expiry throw into the event loop, and still expires the ones behind it', async () => {
    const uncaught = jest.fn();
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', uncaught);
    try {
      const queue = new DeadlineQueue(5);
      const fired: string[] = [];
      queue.add(() => { throw new TypeError('stop is not a function'); });
      queue.add(() => fired.push('behind'));
      await sleep(40);
      expect(fired).toEqual(['behind']);
      expect(uncaught).not.toHaveBeenCalled();
    } finally {
      process.off('uncaughtException', uncaught);
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
  });
});
