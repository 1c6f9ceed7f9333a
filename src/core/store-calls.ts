import type { DeadlineQueue } from './deadlines';
import { isPromiseLike, type Eventually } from './eventually';
import type { CompletionResult, DedupeStore } from './store';

export type StoreResult<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Why a store call failed when the store itself said nothing: its promise outlived the deadline. */
export class StoreTimeoutError extends Error {
  constructor(step: string, timeoutMs: number) {
    super(`store ${step}() did not settle within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/** The store was not called: a claim went unanswered for `timeoutMs` lately, and one delivery a second probes it. */
export class StoreDownError extends Error {
  constructor() {
    super('the store is not answering (a claim went unanswered for timeoutMs lately): not called');
    this.name = 'StoreDownError';
  }
}

/**
 * Calls one store method and tells `done` once: its value, or its failure (a throw, a rejection, or no answer
 * before a deadline from `deadlines`). A store that answers synchronously (the memory store) costs no deadline.
 */
export function callStore<T>(step: string, call: () => Eventually<T>, deadlines: DeadlineQueue, done: (result: StoreResult<T>) => void): void {
  let returned: Eventually<T>;
  try {
    returned = call();
    if (!isPromiseLike(returned)) return done({ ok: true, value: returned });
  } catch (error) {
    return done({ ok: false, error });
  }
  let settled = false;
  const once = (result: StoreResult<T>): void => {
    if (settled) return;
    settled = true;
    deadline.cancel();
    done(result);
  };
  const deadline = deadlines.add(() => once({ ok: false, error: new StoreTimeoutError(step, deadlines.delayMs) }));
  Promise.resolve(returned).then(
    (value) => once({ ok: true, value }),
    (error: unknown) => once({ ok: false, error }),
  );
}

/** Tries after the first failure, and how long to wait before each: short, since an answer may be waiting. */
export const WRITE_BACKOFF_MS: readonly number[] = Object.freeze([50, 250]);

/**
 * Records a callback's result: marks the id done after a success, frees the attempt's claim after a failure.
 * Both are idempotent, so a failed or timed-out write is tried again, a bounded number of times; `done` hears the
 * last result. Without this, one lost write leaves a claim behind: a retry then meets 409 until the claim
 * expires, or, after a success, runs the callback a second time.
 */
export function recordResult(
  store: DedupeStore,
  key: string,
  attempt: string,
  succeeded: boolean,
  deadlines: DeadlineQueue,
  done: (result: StoreResult<CompletionResult>) => void,
): void {
  const write = (): Eventually<CompletionResult> => (succeeded ? store.complete(key, attempt) : store.release(key, attempt));
  const step = succeeded ? 'complete' : 'release';
  const tryWrite = (retriesLeft: number): void =>
    callStore(step, write, deadlines, (result) => {
      if (result.ok || retriesLeft === 0) return done(result);
      const backoff = WRITE_BACKOFF_MS[WRITE_BACKOFF_MS.length - retriesLeft] as number;
      setTimeout(() => tryWrite(retriesLeft - 1), backoff);
    });
  tryWrite(WRITE_BACKOFF_MS.length);
}
