import type { DeliveryContext } from './options';

export type DispatchResult = { kind: 'ok' } | { kind: 'failed'; error: unknown } | { kind: 'timeout' };

/** A value now, or later: most callbacks settle synchronously or within microtasks, and then nothing is scheduled. */
export type Eventually<T> = T | Promise<T>;

const TIMED_OUT: DispatchResult = Object.freeze({ kind: 'timeout' });
const SUCCEEDED: DispatchResult = Object.freeze({ kind: 'ok' });

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Runs the user's callback with a deadline. Past `timeoutMs` the sender is answered while the callback goes on
 * (a promise cannot be cancelled); `signal` aborts so well-behaved work stops. `settled` is the callback's own
 * outcome, however late, and never rejects. A callback that returns a plain value settles at once, with no timer.
 */
export function dispatch<Message>(
  callback: (message: Message, context: DeliveryContext) => unknown,
  message: Message,
  context: Omit<DeliveryContext, 'signal'>,
  timeoutMs: number,
): { result: Eventually<DispatchResult>; settled: Eventually<DispatchResult> } {
  const deadline = lazyDeadlineSignal(timeoutMs);
  let returned: unknown;
  try {
    returned = callback(message, withSignal(context, deadline));
  } catch (error) {
    const failed: DispatchResult = { kind: 'failed', error };
    return { result: failed, settled: failed };
  }
  if (!isPromiseLike(returned)) return { result: SUCCEEDED, settled: SUCCEEDED };
  const settled = Promise.resolve(returned).then(
    () => SUCCEEDED,
    (error: unknown): DispatchResult => ({ kind: 'failed', error }),
  );
  const result = new Promise<DispatchResult>((resolve) => {
    const timer = setTimeout(() => {
      deadline.expire();
      resolve(TIMED_OUT);
    }, timeoutMs);
    void settled.then((outcome) => {
      clearTimeout(timer);
      resolve(outcome);
    });
  });
  return { result, settled };
}

interface LazyDeadline {
  signal(): AbortSignal;
  expire(): void;
}

/** Most callbacks never look at their signal: the AbortController is made only for those that do. */
function lazyDeadlineSignal(timeoutMs: number): LazyDeadline {
  let controller: AbortController | undefined;
  let expired = false;
  const abort = (target: AbortController) => target.abort(new DOMException(`onMessage did not settle within ${timeoutMs} ms`, 'TimeoutError'));
  return {
    signal() {
      if (!controller) {
        controller = new AbortController();
        if (expired) abort(controller);
      }
      return controller.signal;
    },
    expire() {
      expired = true;
      if (controller) abort(controller);
    },
  };
}

function withSignal(context: Omit<DeliveryContext, 'signal'>, deadline: LazyDeadline): DeliveryContext {
  return {
    ...context,
    get signal() {
      return deadline.signal();
    },
  };
}
