import type { Deadline, DeadlineQueue } from './deadlines';
import type { ChunkSink, ChunkStream, OutcomeCode, WebhookRequest } from './types';

type BodyFailure = Extract<
  OutcomeCode,
  'payload_too_large' | 'empty_body' | 'invalid_json' | 'body_incomplete' | 'body_timeout' | 'body_unavailable' | 'unsupported_encoding'
>;

export interface BodyLimits {
  /** Largest body, in bytes. */
  limit: number;
  /** Longest wait for the whole body to arrive, in milliseconds. */
  timeoutMs: number;
}

/** The parsed JSON and the text it came from (handed to the callback and to `onRejected`). */
export type BodyResult =
  | { ok: true; value: unknown; rawBody: string }
  | { ok: false; code: BodyFailure; rawBody?: string };

/** `application/json` or any `+json` type, in UTF-8 (the only charset JSON may use between systems, RFC 8259). */
export function isJsonContentType(header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  // What every platform sends, answered without splitting.
  if (header === 'application/json' || header === 'application/json; charset=utf-8') return true;
  const [type = '', ...parameters] = header.split(';');
  const mediaType = type.trim().toLowerCase();
  if (mediaType !== 'application/json' && !(mediaType.startsWith('application/') && mediaType.endsWith('+json'))) {
    return false;
  }
  return parameters.every(isUtf8CharsetOrOther);
}

function isUtf8CharsetOrOther(parameter: string): boolean {
  const [name = '', value = ''] = parameter.split('=');
  if (name.trim().toLowerCase() !== 'charset') return true;
  return /^"?utf-8"?$/i.test(value.trim());
}

/** Told the body's fate once: parsed, or why not. */
export type BodyReceiver = (body: BodyResult) => void;

/**
 * Reads, bounds, decodes and parses the body, whichever form the framework left it in, and tells `done`: at once
 * when the body is already in memory, later when it is still arriving.
 */
export function readJsonBody(request: WebhookRequest, limit: number, deadlines: DeadlineQueue, done: BodyReceiver): void {
  const source = request.body;
  switch (source.kind) {
    case 'parsed':
      return done(parsedBody(source.value, limit));
    case 'consumed':
      return done({ ok: false, code: 'body_unavailable' });
    case 'text':
      return done(exceedsLimit(source.text, limit) ? { ok: false, code: 'payload_too_large' } : parseText(source.text));
    case 'bytes':
      return done(source.bytes.byteLength > limit ? { ok: false, code: 'payload_too_large' } : decodeAndParse([source.bytes], source.bytes.byteLength));
    case 'stream':
      // A framework that read the body earlier has already inflated it; only a body read here can still be compressed.
      if (!isIdentityEncoding(request.header('content-encoding'))) return done({ ok: false, code: 'unsupported_encoding' });
      return readStream(source.stream, declaredLength(request.header('content-length')), limit, deadlines, done);
  }
}

function parsedBody(value: unknown, limit: number): BodyResult {
  if (value === undefined) return { ok: false, code: 'empty_body' };
  // The exact bytes are gone once express.json() has parsed them; this is the closest faithful text, and what the
  // limit is measured against, so a body is held to it whatever read it.
  const rawBody = serialize(value);
  if (exceedsLimit(rawBody, limit)) return { ok: false, code: 'payload_too_large' };
  return { ok: true, value, rawBody };
}

function serialize(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    // Nested too deep to serialize: validation refuses such a body next, so no callback ever sees this.
    return '';
  }
}

function isIdentityEncoding(header: string | undefined): boolean {
  if (header === undefined) return true;
  const encoding = header.trim().toLowerCase();
  return encoding === '' || encoding === 'identity';
}

/**
 * Collects a streamed body no larger than `limit` that arrives before its deadline, so neither a huge nor a
 * trickling body holds memory or a socket. Nothing is allocated per chunk.
 */
function readStream(stream: ChunkStream, declared: number | undefined, limit: number, deadlines: DeadlineQueue, done: BodyReceiver): void {
  // Refuse before reading a byte when the sender already says the body is too large.
  if (declared !== undefined && declared > limit) return done({ ok: false, code: 'payload_too_large' });
  new BodyCollector(stream, limit, deadlines, done);
}

class BodyCollector implements ChunkSink {
  private readonly chunks: Uint8Array[] = [];
  private received = 0;
  private finished = false;
  private readonly deadline: Deadline;
  private stop: () => void = ignore;

  constructor(
    stream: ChunkStream,
    private readonly limit: number,
    deadlines: DeadlineQueue,
    private readonly done: BodyReceiver,
  ) {
    this.deadline = deadlines.add(() => this.stopEarly('body_timeout'));
    try {
      this.stop = stream.read(this);
    } catch {
      // A stream that cannot be read at all (a Fetch body already locked by a reader) was taken by someone else.
      if (this.finish()) this.done({ ok: false, code: 'body_unavailable' });
    }
  }

  chunk(bytes: Uint8Array): void {
    if (this.finished) return;
    // A stream that yields something else (strings from a hand-made ReadableStream) was not given us by a server.
    if (!(bytes instanceof Uint8Array)) return this.stopEarly('body_unavailable');
    this.received += bytes.byteLength;
    if (this.received > this.limit) return this.stopEarly('payload_too_large');
    this.chunks.push(bytes);
  }

  end(): void {
    if (!this.finish()) return;
    const result = decodeAndParse(this.chunks, this.received);
    // The stream may keep its listeners (and so this collector) until the connection's next request: let the
    // chunks go now rather than have them outlive the request.
    this.chunks.length = 0;
    this.done(result);
  }

  /** The sender went away mid-body (or the stream broke): nothing complete to parse. */
  fail(): void {
    if (this.finish()) this.done({ ok: false, code: 'body_incomplete' });
  }

  private stopEarly(code: 'body_timeout' | 'payload_too_large' | 'body_unavailable'): void {
    if (!this.finish()) return;
    this.chunks.length = 0;
    this.stop();
    this.done({ ok: false, code });
  }

  /** True the first time only: whatever comes first (end, failure, limit, deadline) decides. */
  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.deadline.cancel();
    return true;
  }
}

// `fatal` makes malformed UTF-8 an error instead of silently replacing it; a leading BOM is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** `byteLength` is the chunks' total: zero bytes are an empty body, whatever a decoder would make of them. */
function decodeAndParse(chunks: readonly Uint8Array[], byteLength: number): BodyResult {
  if (byteLength === 0) return { ok: false, code: 'empty_body' };
  let text: string;
  try {
    text = chunks.length === 1 ? utf8.decode(chunks[0] as Uint8Array) : decodeInPieces(chunks);
  } catch {
    return { ok: false, code: 'invalid_json', rawBody: lenientUtf8.decode(joined(chunks)) };
  }
  return parseText(text);
}

/**
 * A body in several chunks is decoded chunk by chunk, the decoder carrying a character split between chunks over
 * to the next: no copy of the whole body (for a large one, that copy made the garbage collector run twice as
 * often), and on Node 20, for non-ASCII text such as a reply in Chinese, decoding and parsing take half the time
 * of one decode of the joined bytes (pure ASCII: a sixth more). A body in one chunk keeps the one-shot decode,
 * which measured faster for it under load.
 */
function decodeInPieces(chunks: readonly Uint8Array[]): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let text = '';
  for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

/** Only for the text of a malformed body, which `onRejected` receives. */
function joined(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const bytes = new Uint8Array(chunks.reduce((length, chunk) => length + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function parseText(text: string): BodyResult {
  if (text.length === 0) return { ok: false, code: 'empty_body', rawBody: text };
  try {
    return { ok: true, value: JSON.parse(text), rawBody: text };
  } catch {
    return { ok: false, code: 'invalid_json', rawBody: text };
  }
}

function declaredLength(header: string | undefined): number | undefined {
  if (typeof header !== 'string' || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

function ignore(): void {}

const encoder = new TextEncoder();

function exceedsLimit(text: string, limit: number): boolean {
  // A UTF-16 unit never takes more than 3 UTF-8 bytes, so the usual small body needs no encoding to measure.
  return text.length * 3 > limit && encoder.encode(text).byteLength > limit;
}
