// Building blocks shared by the schemas. `const` type parameters keep every literal, so json-schema-to-ts
// derives the same types from a schema built with these as from one written out in full.

/** Far above any list a real reply holds; bounds the work a hostile body can cause. */
export const MAX_ITEMS = 1000;
/** Far above any id either platform documents (UUIDs, 24-character ids). */
export const MAX_ID_LENGTH = 256;

/** An array of lenient objects: the named properties are typed when present, other keys pass. */
export function listOf<const Properties extends Record<string, unknown>>(properties: Properties) {
  return { type: 'array', maxItems: MAX_ITEMS, items: { type: 'object', properties } } as const;
}

/** An identifier: a bounded string. */
export function identifier<const Min extends number>(minLength: Min) {
  return { type: 'string', minLength, maxLength: MAX_ID_LENGTH } as const;
}
