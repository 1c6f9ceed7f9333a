import type { DeliveryContext } from './options';
import type { Reply } from './preset';
import { isPromiseLike } from './eventually';

export type CallbackResult = { kind: 'ok' } | { kind: 'failed'; error: unknown };

export const SUCCEEDED: CallbackResult = Object.freeze({ kind: 'ok' });

/**
 * Runs the user's callback and tells `settled` how it went: at once when it returns a plain value or throws, when
 * its promise settles otherwise. Returns whether it is still running, so the caller can set it a deadline (a
 * promise cannot be cancelled; the deadline only decides the answer).
 */
export function runCallback<Message>(
  callback: (message: Message, context: DeliveryContext) => unknown,
  message: Message,
  context: DeliveryContext,
  settled: (result: CallbackResult) => void,
): boolean {
  let pending: PromiseLike<unknown> | undefined;
  try {
    const returned = callback(message, context);
    // Inspecting what came back can throw too (a revoked Proxy, a `then` getter that throws): a failure of the
    // callback like any other, so its claim is freed.
    if (isPromiseLike(returned)) pending = returned;
  } catch (error) {
    settled(failedWith(error));
    return false;
  }
  if (!pending) {
    settled(SUCCEEDED);
    return false;
  }
  // A native promise passes through Promise.resolve as itself: one reaction, no extra promise in between. A
  // thenable whose `then` throws becomes a rejection here, never an exception.
  Promise.resolve(pending).then(
    () => settled(SUCCEEDED),
    (error: unknown) => settled(failedWith(error)),
  );
  return true;
}

function failedWith(error: unknown): CallbackResult {
  return { kind: 'failed', error };
}

/**
 * What the callback is handed. Most callbacks never read `signal`, so its AbortController is made only when one
 * does; the private fields keep the deadline's bookkeeping out of what the callback can see or serialize.
 */
export class CallbackContext implements DeliveryContext {
  #controller: AbortController | undefined;
  #expired = false;
  #onExpired: (() => void) | undefined;
  readonly #timeoutMs: number;

  constructor(
    readonly rawBody: string,
    readonly reply: Reply,
    timeoutMs: number,
  ) {
    this.#timeoutMs = timeoutMs;
  }

  /** Aborts when `timeoutMs` passes: hand it to fetch() and friends so abandoned work stops. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#expired) this.#abort(this.#controller);
    }
    return this.#controller.signal;
  }

  /** The callback outlived its deadline: abort the signal now, or as soon as it is first read. */
  static expire(context: CallbackContext): void {
    context.#expired = true;
    if (context.#controller) context.#abort(context.#controller);
    const heard = context.#onExpired;
    context.#onExpired = undefined;
    heard?.();
  }

  /**
   * Calls `listener` when the deadline passes (at once if it has), or no one once `undefined` replaces it: how the
   * core's own sink hears of its deadline without making the AbortController that the signal would need, per delivery.
   */
  static hearExpiry(context: CallbackContext, listener: (() => void) | undefined): void {
    context.#onExpired = listener;
    if (listener && context.#expired) CallbackContext.expire(context);
  }

  #abort(controller: AbortController): void {
    controller.abort(new DOMException(`onMessage did not settle within ${this.#timeoutMs} ms`, 'TimeoutError'));
  }
}
