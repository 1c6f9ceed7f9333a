/** What a dedupe store answers to a claim. */
export type ClaimState =
  /** First arrival (or the earlier attempt failed): this attempt runs the callback. */
  | 'claimed'
  /** Another attempt holds the claim and is still running. */
  | 'in_flight'
  /** A callback already succeeded for this id. */
  | 'done';

/**
 * Turns the platform's at-least-once deliveries into one successful callback per message id. A minimal
 * structural interface: any object with these three methods is a store. Keys arrive namespaced by platform.
 * A store only records state; the webhook alone decides what to answer.
 */
export interface DedupeStore {
  /** Atomically: if the key is unknown, mark it in flight and answer `'claimed'`; else answer its state. */
  claim(key: string): Promise<ClaimState> | ClaimState;
  /** The callback succeeded: later arrivals of the key are `'done'`. */
  complete(key: string): Promise<void> | void;
  /** The callback failed: forget the claim, so the platform's retry runs the callback again. */
  release(key: string): Promise<void> | void;
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
