// Building blocks shared by the schemas. `const` type parameters keep every literal, so json-schema-to-ts
// derives the same types from a schema built with these as from one written out in full.

/** Far above any list a real reply holds; bounds the work a hostile body can cause. */
export const MAX_ITEMS = 1000;
/** Far above any id either platform documents (UUIDs, 24-character ids). */
export const MAX_ID_LENGTH = 256;

/**
 * An id the package cannot work without (a message's, a conversation's): a non-empty bounded string, or a whole
 * number read as its decimal string. Only up to 2^53 - 1: past it JSON numbers lose digits, so two ids could read
 * the same and one reply would be taken for a retry of the other.
 */
export const identifier = {
  type: ['string', 'integer'],
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
} as const;

/** A field the package can do without: its documented type, or `null` (absence is allowed by not requiring it). */
export function orNull<const Type extends string>(type: Type) {
  return { type: [type, 'null'] } as const;
}

/** A list the package can do without (`null` or absent is folded into `[]`): objects whose named properties are typed when present, other keys pass. */
export function listOf<const Properties extends Record<string, unknown>>(properties: Properties) {
  return { type: ['array', 'null'], maxItems: MAX_ITEMS, items: { type: 'object', properties } } as const;
}

/**
 * A timestamp: never a reason to refuse a delivery. Epoch seconds or milliseconds (numbers or strings of digits) and
 * ISO 8601 are read; anything else, `null` included, becomes the time the delivery was received (with a warning).
 */
export const timestamp = {} as const;
