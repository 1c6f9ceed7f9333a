/**
 * A value now, or later. The pipeline stays synchronous for as long as its inputs are (a body already in memory,
 * a callback or store that answers at once), so the common request allocates no promise it does not need.
 */
export type Eventually<T> = T | Promise<T>;

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
