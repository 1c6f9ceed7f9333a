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
  const controller = new AbortController();
  const settled = new Promise<unknown>((resolve) => resolve(callback(message, { ...context, signal: controller.signal }))).then(
    () => SUCCEEDED,
    (error: unknown): DispatchResult => ({ kind: 'failed', error }),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<DispatchResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DOMException(`onMessage did not settle within ${timeoutMs} ms`, 'TimeoutError'));
      resolve(TIMED_OUT);
    }, timeoutMs);
  });
  const result = Promise.race([settled, deadline]).finally(() => clearTimeout(timer));
  return { result, settled };
}
