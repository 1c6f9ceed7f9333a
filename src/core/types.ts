/** A delivery as every adapter hands it to the core: plain data, no framework object. */
export interface WebhookRequest {
  method: string;
  /** Request target as received (path and query, or an absolute URL); only its query is read, for `token`. */
  url: string;
  /** The value of one request header, looked up only for the few the core reads. */
  header(name: HeaderName): string | undefined;
  body: BodySource;
}

export type HeaderName = 'authorization' | 'content-type' | 'content-length' | 'content-encoding';

/**
 * Where the body is. A framework may have read it before the webhook runs (express.json, express.raw,
 * express.text), so the core accepts each form instead of insisting on the stream.
 */
export type BodySource =
  | { kind: 'stream'; chunks: AsyncIterable<Uint8Array> }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'parsed'; value: unknown }
  /** Read and discarded by something earlier on the route: nothing left to read. */
  | { kind: 'consumed' };

/** What the adapter writes back: the core decides all of it. */
export interface Outcome {
  status: number;
  code: OutcomeCode;
  headers: Readonly<Record<string, string>>;
  /** JSON text. */
  body: string;
}

export type OutcomeCode =
  | 'delivered'
  | 'duplicate'
  | 'probe_acknowledged'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'empty_body'
  | 'invalid_json'
  | 'body_incomplete'
  | 'body_timeout'
  | 'unsupported_encoding'
  | 'invalid_payload'
  | 'body_unavailable'
  | 'handler_failed'
  | 'handler_timeout'
  | 'in_progress'
  | 'store_unavailable'
  | 'shutting_down'
  | 'internal_error';

/** One reason a payload failed validation: where (a JSON pointer into the body) and what, never the value. */
export interface Problem {
  path: string;
  message: string;
}
