import type { DeliveryContext } from './options';
import type { Reply } from '../presets/preset';
import { isPromiseLike, type Eventually } from './eventually';

export type CallbackResult = { kind: 'ok' } | { kind: 'failed'; error: unknown };

export const SUCCEEDED: CallbackResult = Object.freeze({ kind: 'ok' });

/**
 * Runs the user's callback. Its result comes at once when it returns a plain value or throws; a promise of it
 * (that never rejects) when it returns a promise. Deadlines are the caller's: a promise cannot be cancelled.
 */
export function runCallback<Message>(
  callback: (message: Message, context: DeliveryContext) => unknown,
  message: Message,
  context: DeliveryContext,
): Eventually<CallbackResult> {
  let returned: unknown;
  try {
    returned = callback(message, context);
  } catch (error) {
    return failedWith(error);
  }
  if (!isPromiseLike(returned)) return SUCCEEDED;
  return Promise.resolve(returned).then(succeeded, failedWith);
}

function succeeded(): CallbackResult {
  return SUCCEEDED;
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
  }

  #abort(controller: AbortController): void {
    controller.abort(new DOMException(`onMessage did not settle within ${this.#timeoutMs} ms`, 'TimeoutError'));
  }
}
