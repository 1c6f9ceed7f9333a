import type { DeliveryWarning } from '../core/options';

/** Below 10^11 an epoch value can only be seconds: as milliseconds it would fall before March 1973. */
const SECONDS_BELOW = 1e11;
/** The largest epoch milliseconds read (the year 5138); past it a value is not a date either platform sends. */
const LATEST_MS = 99_999_999_999_999;

const DIGITS = /^\d{1,14}(?:\.\d{1,9})?$/;
// Date, then optionally a time (T, t or a space), fractions of a second and a zone: Z or an offset, with or without
// its colon. Read by hand instead of Date.parse, which reads a zoneless time in the server's zone and accepts more
// than ISO 8601 in some engines.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch milliseconds from a timestamp as either platform may send it: epoch seconds or milliseconds, as a number or a
 * string of digits (told apart by size), or ISO 8601 (a time without a zone is UTC). `undefined` for anything else,
 * a date before 1970 or past the year 5138 included: the caller takes the time the delivery was received instead.
 */
export function readEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return undefined;
  if (DIGITS.test(value)) return fromEpoch(Number(value));
  return fromIso8601(value);
}

/**
 * `readEpochMs` as the decimal string a MaiAgent message carries. MaiAgent's own form, 13 digits of epoch
 * milliseconds, is that string already: taken as it is, with no pattern, number or string made for it (a profile
 * under load put the general path at 0.7 µs a delivery, read twice: for the message and for its warnings).
 */
export function epochMsText(value: unknown): string | undefined {
  if (isEpochMsDigits(value)) return value;
  const ms = readEpochMs(value);
  return ms === undefined ? undefined : String(ms);
}

/** 13 digits, the first not 0: at least 10^12, so milliseconds, within the dates read, and its own decimal form. */
function isEpochMsDigits(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 13 || value.charCodeAt(0) === ZERO) return false;
  for (let index = 0; index < 13; index += 1) {
    const code = value.charCodeAt(index);
    if (code < ZERO || code > NINE) return false;
  }
  return true;
}

const ZERO = 48;
const NINE = 57;

function fromEpoch(value: number): number | undefined {
  return withinDates(Math.round(value < SECONDS_BELOW ? value * 1000 : value));
}

function withinDates(ms: number): number | undefined {
  return ms > 0 && ms <= LATEST_MS ? ms : undefined;
}

function fromIso8601(text: string): number | undefined {
  const parts = ISO_8601.exec(text);
  if (!parts) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const milliseconds = Number((parts[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offset = offsetMs(parts[8]);
  // No year before 1969 can reach 1970 (and Date.UTC would read the years 0 to 99 as 1900 to 1999).
  if (month === undefined || day === undefined || year === undefined || offset === undefined || year < 1969 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, milliseconds);
  // Date.UTC rolls 30 February over into March: a date that does not exist is not read.
  if (new Date(utc).getUTCDate() !== day) return undefined;
  return withinDates(utc - offset);
}

/** `Z`, none, `+08:00`, `-0500` or `+08`, as milliseconds east of UTC; `undefined` for an offset that is no zone (`+99:99`). */
function offsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

type TimestampField = Extract<DeliveryWarning, { code: 'timestamp_replaced' }>['field'];

const REPLACED: Readonly<Record<TimestampField, readonly DeliveryWarning[]>> = Object.freeze({
  created_at: Object.freeze([Object.freeze({ code: 'timestamp_replaced' as const, field: 'created_at' as const })]),
  createdAt: Object.freeze([Object.freeze({ code: 'timestamp_replaced' as const, field: 'createdAt' as const })]),
  create_time: Object.freeze([Object.freeze({ code: 'timestamp_replaced' as const, field: 'create_time' as const })]),
});

/** The warning that a body's timestamp was missing, null or unreadable and the time received stands in for it. */
export function timestampReplaced(field: TimestampField): readonly DeliveryWarning[] {
  return REPLACED[field];
}
