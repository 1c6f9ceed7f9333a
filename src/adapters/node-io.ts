import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodySource, Outcome, WebhookRequest } from '../core/types';

/** The members of a node:http request (or an Express request, which extends it) that the adapters read. */
export type NodeRequest = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'readableEnded' | 'iterator'> & {
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
  if (!alreadyRead) {
    // Not destroying on an early return keeps the socket, so a 413 can still be written to it.
    return { kind: 'stream', chunks: req.iterator({ destroyOnReturn: false }) };
  }
  const body = req.body;
  if (typeof body === 'string') return { kind: 'text', text: body };
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: body };
  if (body === undefined) return { kind: 'consumed' };
  return { kind: 'parsed', value: body };
}

export function writeNodeResponse(res: ServerResponse, outcome: Outcome): void {
  res.statusCode = outcome.status;
  for (const [name, value] of Object.entries(outcome.headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(outcome.body));
  res.end(outcome.body);
}
