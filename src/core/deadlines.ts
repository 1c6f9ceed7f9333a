/** A pending deadline; cancelling one that has fired or was cancelled already does nothing. */
export interface Deadline {
  cancel(): void;
}

/**
 * Deadlines that all lie the same delay after they are set, on one timer. Because the delay is fixed, they expire
 * in the order they were set: a list with O(1) add and cancel, and a timer armed for its head only. A timer per
 * request would cost more: Node drops its internal list for a duration whenever that list empties and builds it
 * again for the next request, which under light load is every request.
 *
 * The timer keeps the process alive only while a deadline is pending, as a timer per request would.
 *
 * One timer shared by requests needs timers that outlive the request that set them. Cloudflare Workers cancel a
 * request's timers when it ends, so there (and wherever timers are plain numbers, which says the runtime is not
 * Node's kind) each deadline gets a timer of its own.
 */
export class DeadlineQueue {
  private head: Entry | undefined;
  private tail: Entry | undefined;
  /** Armed for the head or earlier (for a head since cancelled): never later than the head, so it never fires late. */
  private timer: Timer | undefined;
  /** Decided at the first deadline, inside a request: Workers refuse timers outside one. */
  private shared: boolean | undefined;

  constructor(readonly delayMs: number) {}

  /** Calls `expire` once `delayMs` has passed, unless cancelled first. */
  add(expire: () => void): Deadline {
    this.shared ??= timersOutliveRequests();
    if (!this.shared) return new OwnTimer(expire, this.delayMs);
    const entry = new Entry(this, performance.now() + this.delayMs, expire);
    if (this.tail) {
      this.tail.next = entry;
      entry.previous = this.tail;
    } else {
      this.head = entry;
      this.holdTheProcess();
    }
    this.tail = entry;
    return entry;
  }

  /** @internal */
  unlink(entry: Entry): void {
    if (entry.previous) entry.previous.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    else this.tail = entry.previous;
    entry.previous = entry.next = undefined;
    // The timer stays armed: re-arming per request is the cost this class exists to avoid. Unreferenced, it no
    // longer keeps the process alive, and when it fires with nothing due it simply re-arms or stops.
    if (!this.head) letTheProcessExit(this.timer);
  }

  private holdTheProcess(): void {
    if (this.timer) holdTheProcess(this.timer);
    else this.arm(this.delayMs);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.expireDue, Math.max(1, Math.ceil(delayMs)));
  }

  private readonly expireDue = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (let entry = this.head; entry && entry.at <= now; entry = this.head) {
      entry.cancel();
      expireQuietly(entry);
    }
    if (this.head) this.arm(this.head.at - now);
  };
}

/** An expiry that throws must neither reach the event loop (it would end the process) nor stop the ones behind it. */
function expireQuietly(entry: { expire(): void }): void {
  try {
    entry.expire();
  } catch {
    // The expiries are the core's own steps, which answer their failures themselves.
  }
}

type Timer = ReturnType<typeof setTimeout>;

// Node's timers can be told whether they keep the process alive; in Workers, Deno's web timers and the Next.js
// Edge runtime, setTimeout returns a number that has no such methods.
function holdTheProcess(timer: Timer): void {
  (timer as { ref?: () => void }).ref?.();
}

function letTheProcessExit(timer: Timer | undefined): void {
  (timer as { unref?: () => void } | undefined)?.unref?.();
}

/** Node, Bun and Deno: a timer is an object that can be told not to hold the process, and lives until it fires. */
function timersOutliveRequests(): boolean {
  if ((globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent === 'Cloudflare-Workers') return false;
  const probe = setTimeout(nothing, 0);
  clearTimeout(probe);
  return typeof (probe as { unref?: unknown }).unref === 'function';
}

function nothing(): void {}

/** A deadline on a timer of its own, for runtimes that end a request's timers with it. */
class OwnTimer implements Deadline {
  private readonly timer: Timer;

  constructor(expire: () => void, delayMs: number) {
    this.timer = setTimeout(() => expireQuietly({ expire }), delayMs);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}

class Entry implements Deadline {
  previous: Entry | undefined;
  next: Entry | undefined;
  private pending = true;

  constructor(
    private readonly queue: DeadlineQueue,
    readonly at: number,
    readonly expire: () => void,
  ) {}

  cancel(): void {
    if (!this.pending) return;
    this.pending = false;
    this.queue.unlink(this);
  }
}
