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
  | { kind: 'stream'; stream: ChunkStream }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'parsed'; value: unknown }
  /** Read and discarded by something earlier on the route: nothing left to read. */
  | { kind: 'consumed' };

/**
 * A body still arriving, pushed chunk by chunk: the way node:http delivers it, with nothing allocated per chunk.
 * (`chunkStreamOf` turns a pulled stream, such as a Fetch body, into one.)
 */
export interface ChunkStream {
  /** Starts delivering to `sink`, never synchronously; returns what stops the delivery (the rest is not read). */
  read(sink: ChunkSink): () => void;
}

/** Told of each chunk, then of the end or of a failure, and of nothing after that. */
export interface ChunkSink {
  chunk(bytes: Uint8Array): void;
  end(): void;
  fail(error: unknown): void;
}

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
  | 'enqueued'
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
  | 'queue_unavailable'
  | 'shutting_down'
  | 'internal_error';

/** One reason a payload failed validation: where (a JSON pointer into the body) and what, never the value. */
export interface Problem {
  path: string;
  message: string;
}
