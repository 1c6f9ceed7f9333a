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
});
