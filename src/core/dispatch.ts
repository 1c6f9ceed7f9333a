import type { DeliveryContext } from './options';

export type DispatchResult = { kind: 'ok' } | { kind: 'failed'; error: unknown } | { kind: 'timeout' };

const TIMED_OUT: DispatchResult = Object.freeze({ kind: 'timeout' });
const SUCCEEDED: DispatchResult = Object.freeze({ kind: 'ok' });

/**
 * Runs the user's callback with a deadline. Past `timeoutMs` the sender is answered while the callback goes on
 * (a promise cannot be cancelled); `signal` aborts so well-behaved work stops. `settled` resolves when the
 * callback itself has finished, however late, and never rejects.
 */
export function dispatch<Message>(
  callback: (message: Message, context: DeliveryContext) => unknown,
  message: Message,
  context: Omit<DeliveryContext, 'signal'>,
  timeoutMs: number,
): { result: Promise<DispatchResult>; settled: Promise<DispatchResult> } {
  const deadline = lazyDeadlineSignal(timeoutMs);
  const settled = new Promise<unknown>((resolve) => resolve(callback(message, withSignal(context, deadline)))).then(
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
