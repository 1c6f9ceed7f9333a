// A stand-in for MaiAgent's REST API on loopback, shaped after its documents (shared research): Api-Key auth, 401
// with `detail`, page-number pagination with absolute `next` URLs, completions as JSON or server-sent events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback, type RunningServer } from './server';

export const API_KEY = 'test-api-key-0123456789';

export interface FakeMaiAgent {
  url: string;
  /** Every request received: method, path with query, the Authorization header, the JSON body. */
  requests: { method: string; path: string; authorization: string | undefined; body: unknown }[];
  /** Status codes to answer the next requests to a path with, before answering normally. */
  failNext: Map<string, number[]>;
  /** Paths that never answer. */
  hang: Set<string>;
  webhookRecords: Record<string, unknown>[];
  /** Runs before POST /messages/ answers (to deliver the reply by webhook first, as a fast platform would). */
  beforeMessageAnswer?: (body: { conversation: string; content: string }) => Promise<void>;
  close(): Promise<void>;
}

export async function startFakeMaiAgent(): Promise<FakeMaiAgent> {
  const fake = { requests: [], failNext: new Map(), hang: new Set(), webhookRecords: [] } as unknown as FakeMaiAgent;
  const server: RunningServer = await listenOnLoopback((req, res) => void handle(fake, req, res));
  fake.url = `${server.url}/api/v1/`;
  fake.close = () => server.close();
  return fake;
}

async function handle(fake: FakeMaiAgent, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  const url = new URL(req.url ?? '/', 'http://fake');
  const path = url.pathname.replace(/^\/api\/v1\//, '');
  fake.requests.push({ method: req.method ?? '', path: `${path}${url.search}`, authorization: req.headers.authorization, body });
  const json = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (req.headers.authorization !== `Api-Key ${API_KEY}`) return json(401, { detail: 'Authentication credentials were not provided.' });
  if (fake.hang.has(path)) return;
  const failures = fake.failNext.get(path);
  const failure = failures?.shift();
  if (failure) return json(failure, { detail: `fake failure ${failure}` });

  if (req.method === 'POST' && path === 'conversations/') return json(201, { id: 'conv-new', inbox: { channelType: 'web' }, isAutoReplyNow: false, createdAt: '1700000000000' });
  if (req.method === 'POST' && path === 'messages/') {
    await fake.beforeMessageAnswer?.(body as { conversation: string; content: string });
    return json(201, { id: 'msg-user-1', conversation: body?.conversation, content: body?.content, type: 'incoming', createdAt: '1700000000000', citations: [], citationNodes: [] });
  }
  const records = /^chatbots\/([^/]+)\/webhook-records\/$/.exec(path);
  if (req.method === 'GET' && records) {
    const page = Number(url.searchParams.get('page') ?? 1);
    const size = 2;
    const results = fake.webhookRecords.slice((page - 1) * size, page * size);
    const more = page * size < fake.webhookRecords.length;
    return json(200, { count: fake.webhookRecords.length, next: more ? `http://${req.headers.host}/api/v1/${path}?page=${page + 1}` : null, previous: null, results });
  }
  const chatbot = /^chatbots\/([^/]+)\/$/.exec(path);
  if (req.method === 'PATCH' && chatbot) return json(200, { id: chatbot[1], name: 'bot', webhookUrl: body?.webhookUrl, totalWordsCount: 3 });
  if (req.method === 'POST' && /^chatbots\/[^/]+\/completions\/$/.test(path)) {
    if (!body?.isStreaming) return json(200, { conversation_id: 'conv-sync', content: '從前有一隻小狗在玩球', done: true });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Split mid-event and mid-character, as TCP may: the client must reassemble.
    const stream = 'data: {"conversationId":"conv-s","content":"從前有一隻","done":false}\n\ndata: {"conversation_id":"conv-s",\ndata: "content":"小狗在玩球","done":false}\n\ndata: {"conversationId":"conv-s","content":"","done":true}\n\ndata: [DONE]\n\n';
    const bytes = Buffer.from(stream);
    const cuts = [0, 20, 47, 120, bytes.length];
    for (let i = 0; i < cuts.length - 1; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      res.write(bytes.subarray(cuts[i], cuts[i + 1]));
    }
    return void res.end();
  }
  json(404, { detail: 'Not found.' });
}
