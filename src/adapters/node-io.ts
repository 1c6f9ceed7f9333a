import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodySource, Outcome, WebhookRequest } from '../core/types';

/** The members of a node:http request (or an Express request, which extends it) that the adapters read. */
export type NodeRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'readableEnded' | 'on' | 'off' | 'pause'> & {
  originalUrl?: string;
  body?: unknown;
  /** Set by body-parser 1.x once it has read the stream. */
  _body?: boolean;
};

export function fromNodeRequest(req: NodeRequest): WebhookRequest {
  return {
    method: req.method ?? '',
    // Express rewrites `url` under a mount path; `originalUrl` keeps the query the sender used.
    url: req.originalUrl ?? req.url ?? '',
    header: (name) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : undefined;
    },
    body: nodeBodySource(req),
  };
}

function nodeBodySource(req: NodeRequest): BodySource {
  const alreadyRead = req.readableEnded || req._body === true;
  if (!alreadyRead) return { kind: 'stream', chunks: { [Symbol.asyncIterator]: () => new BodyChunks(req) } };
  const body = req.body;
  if (typeof body === 'string') return { kind: 'text', text: body };
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: body };
  if (body === undefined) return { kind: 'consumed' };
  return { kind: 'parsed', value: body };
}

/**
 * The request body, chunk by chunk, from the stream's own events. Unlike Readable's async iterator it costs no
 * per-request setup beyond four listeners, and stopping early only pauses the stream: the socket stays open, so
 * a 413 can still be written to it.
 */
class BodyChunks implements AsyncIterator<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly req: NodeRequest) {
    req.on('data', this.onData);
    req.on('end', this.onEnd);
    req.on('error', this.onError);
    req.on('close', this.onClose);
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    while (this.chunks.length === 0 && !this.ended && !this.failure) await new Promise<void>((resolve) => (this.wake = resolve));
    const chunk = this.chunks.shift();
    if (chunk) return { done: false, value: chunk };
    if (this.failure) throw this.failure;
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.detach();
    this.req.pause();
    return { done: true, value: undefined };
  }

  private readonly onData = (chunk: Uint8Array): void => {
    this.chunks.push(chunk);
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.detach();
    this.notify();
  };

  private readonly onError = (error: Error): void => {
    this.failure = error;
    this.detach();
    this.notify();
  };

  /** A connection closed before 'end' is a body cut short. */
  private readonly onClose = (): void => {
    if (!this.ended) this.onError(new Error('request closed before the body ended'));
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private detach(): void {
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('error', this.onError);
    this.req.off('close', this.onClose);
  }
}

export function writeNodeResponse(res: ServerResponse, outcome: Outcome): void {
  res.writeHead(outcome.status, { ...outcome.headers, 'content-length': Buffer.byteLength(outcome.body) }).end(outcome.body);
}
