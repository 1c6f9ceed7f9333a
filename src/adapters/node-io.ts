import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodySource, ChunkSink, ChunkStream, HeaderName, Outcome, WebhookRequest } from '../core/types';

/** The members of a node:http request (or an Express request, which extends it) that the adapters read. */
export type NodeRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'readableEnded' | 'on' | 'off' | 'pause'> & {
  originalUrl?: string;
  body?: unknown;
  /** Set by body-parser 1.x once it has read the stream. */
  _body?: boolean;
};

/** A node:http (or Express) request as the core reads it; `header` is a method, so nothing is made per lookup. */
class NodeWebhookRequest implements WebhookRequest {
  readonly method: string;
  readonly url: string;
  readonly body: BodySource;

  constructor(private readonly req: NodeRequest) {
    this.method = req.method ?? '';
    // Express rewrites `url` under a mount path; `originalUrl` keeps the query the sender used.
    this.url = req.originalUrl ?? req.url ?? '';
    this.body = nodeBodySource(req);
  }

  header(name: HeaderName): string | undefined {
    const value = this.req.headers[name];
    return typeof value === 'string' ? value : undefined;
  }
}

export function fromNodeRequest(req: NodeRequest): WebhookRequest {
  return new NodeWebhookRequest(req);
}

function nodeBodySource(req: NodeRequest): BodySource {
  const alreadyRead = req.readableEnded || req._body === true;
  if (!alreadyRead) return { kind: 'stream', stream: new RequestChunks(req) };
  // A parser leaves `{}` for an empty body; the sender's own length says what it was.
  if (req.headers['content-length'] === '0') return EMPTY_BODY;
  const body = req.body;
  if (typeof body === 'string') return { kind: 'text', text: body };
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: body };
  if (body === undefined) return { kind: 'consumed' };
  return { kind: 'parsed', value: body };
}

const EMPTY_BODY: BodySource = Object.freeze({ kind: 'bytes', bytes: new Uint8Array(0) });

/**
 * The request body from the stream's own events, pushed to the core as it arrives. Stopping early only pauses
 * the stream: the socket stays open, so a 413 can still be written to it.
 */
class RequestChunks implements ChunkStream {
  private sink: ChunkSink | undefined;
  private ended = false;

  constructor(private readonly req: NodeRequest) {}

  read(sink: ChunkSink): () => void {
    this.sink = sink;
    this.req.on('data', this.onData);
    this.req.on('end', this.onEnd);
    this.req.on('error', this.onError);
    this.req.on('close', this.onClose);
    return this.stop;
  }

  private readonly stop = (): void => {
    this.detach();
    this.req.pause();
  };

  private readonly onData = (chunk: Uint8Array): void => {
    this.sink?.chunk(chunk);
  };

  // Once the body has ended or failed, the listeners stay: the sink ignores anything after its first end or
  // failure, and they go with the request, so removing them would be work for nothing.
  private readonly onEnd = (): void => {
    this.ended = true;
    this.sink?.end();
    this.sink = undefined;
  };

  private readonly onError = (error: Error): void => {
    this.sink?.fail(error);
    this.sink = undefined;
  };

  /** A connection closed before 'end' is a body cut short. */
  private readonly onClose = (): void => {
    if (!this.ended) this.onError(new Error('request closed before the body ended'));
  };

  private detach(): void {
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onError);
    this.req.off('close', this.onClose);
  }
}

/**
 * Writes the outcome. When something earlier on the route has already answered, that answer stands. Writing can
 * still fail if the socket is gone: there is no one left to tell, so it is closed.
 */
export function respond(res: ServerResponse, outcome: Outcome): void {
  if (res.headersSent) return;
  try {
    res.writeHead(outcome.status, headOf(outcome)).end(outcome.body);
  } catch {
    res.destroy();
  }
}

/**
 * The headers written for an outcome, made once per outcome: every answer but a 400's is the same object for each
 * delivery, so a 200 costs a lookup instead of a copy and a byte count (node:http only reads what it is given).
 */
const heads = new WeakMap<Outcome, Readonly<Record<string, string | number>>>();

function headOf(outcome: Outcome): Readonly<Record<string, string | number>> {
  let head = heads.get(outcome);
  if (!head) {
    head = Object.freeze({ ...outcome.headers, 'content-length': Buffer.byteLength(outcome.body) });
    heads.set(outcome, head);
  }
  return head;
}
