// The client's numeric options, checked before anything is sent: a timer given NaN, a negative or an overlong delay
// fires at once (Node warns, then waits 1 ms), so such a value would send a message and then time out at once.

/** The longest a timer waits: setTimeout cannot wait longer than 2^31-1 ms. */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** The value, when it is a whole number of milliseconds a timer can wait; otherwise a TypeError naming the option. */
export function timerMilliseconds(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > LONGEST_TIMER_MS) {
    throw new TypeError(`${name} must be a whole number of milliseconds from 1 to ${LONGEST_TIMER_MS} (the longest a timer waits), not ${String(value)}`);
  }
  return value;
}
