const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i;

/**
 * `1048576`, `'1mb'`, `'512kb'`, `'1.5MB'` -> bytes (1 kb = 1024 b, as body-parser counts).
 * Throws a TypeError for anything else, so a typo fails at start-up rather than at the first large reply.
 */
export function parseByteSize(value: number | string, optionName: string): number {
  const bytes = typeof value === 'number' ? value : sizeFromString(value);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new TypeError(`${optionName} must be a positive whole number of bytes or a size like '2mb'`);
  }
  return bytes;
}

function sizeFromString(text: string): number {
  const match = SIZE.exec(text.trim());
  if (!match) return Number.NaN;
  const [, amount = '', unit = 'b'] = match;
  return Math.floor(Number(amount) * (UNITS[unit.toLowerCase()] ?? Number.NaN));
}
