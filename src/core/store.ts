import type { Eventually } from './eventually';

/** What a dedupe store answers to a claim. */
export type ClaimState =
  /** First arrival (or the earlier attempt failed): this attempt runs the callback. */
  | 'claimed'
  /** Another attempt holds the claim and is still running. */
  | 'in_flight'
  /** A callback already succeeded for this id. */
  | 'done';

/** What a store may say about a completion, beyond that it happened. */
export interface CompletionReport {
  /** Succeeded ids the store had to forget before its time-to-live to make room (a bounded store under load). */
  evictedEarly?: number;
}

/** What `complete` may answer: nothing, as most stores do, or a report. */
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a store whose complete() returns nothing (void) must fit
export type CompletionResult = CompletionReport | void;

/**
 * Turns the platform's at-least-once deliveries into one successful callback per message id. A minimal
 * structural interface: any object with these three methods is a store. Keys arrive namespaced by platform.
 * `attempt` is a value the webhook makes afresh for every claim (unique across processes), so a store can tell one
 * attempt's claim from another's. A store only records state; the webhook alone decides what to answer.
 */
export interface DedupeStore {
  /**
   * Atomically: if the key is unknown, mark it in flight for `attempt` and answer `'claimed'`; else answer its state.
   * A key `attempt` itself holds answers `'claimed'`: a client that lost the reply to a claim may send it again.
   */
  claim(key: string, attempt: string): Eventually<ClaimState>;
  /**
   * The callback succeeded: later arrivals of the key are `'done'`, whoever holds the key now (a success is a
   * fact, even when this attempt's claim lapsed and another attempt took the id).
   */
  complete(key: string, attempt: string): Eventually<CompletionResult>;
  /** The callback failed: forget the claim, but only while it is still `attempt`'s own, so the platform's retry runs the callback again. */
  release(key: string, attempt: string): Eventually<void>;
}

export function isDedupeStore(value: unknown): value is DedupeStore {
  const store = value as Partial<DedupeStore> | null;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.claim === 'function' &&
    typeof store.complete === 'function' &&
    typeof store.release === 'function'
  );
}
