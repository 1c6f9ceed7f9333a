// A stand-in for MaiAgent on loopback, shaped after its documents: the REST API (Api-Key auth, 401 with `detail`,
// page-numbered or cursor lists with absolute `next` URLs, completions as JSON or server-sent events) and, like the
// real service, the reply POSTed to the chatbot's webhook URL some time after `messages.create` answered, each
// attempt kept as a webhook record. The package's tests, the whole-flow example and your own tests run against it
// (exported from `maiagent-webhook/testing`). Node only: node:http is loaded when a fake is started.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The API key the fake accepts (`Authorization: Api-Key <key>`); any other is answered 401. */
export const API_KEY = 'fake-maiagent-api-key-0123456789';

export interface FakeMaiAgent {
  /** The API's base URL (`…/api/v1/`): pass it as the client's `baseUrl`. */
  url: string;
  /** Every request received: method, path with query, the Authorization header, the JSON body. */
  requests: { method: string; path: string; authorization: string | undefined; body: unknown }[];
  /** Status codes to answer the next requests to a path with, before answering normally. */
  failNext: Map<string, number[]>;
  /** Paths that never answer. */
  hang: Set<string>;
  webhookRecords: Record<string, unknown>[];
  /** Records paginated by cursor (no `count`) instead of page number. */
  cursorPages: boolean;
  /** Where replies are POSTed after `messages.create` (set by `chatbots.setWebhookUrl`). */
  webhookUrl: string | undefined;
  replyDelayMs: number;
  /** The assistant: the reply's text for a message's. */
  answer: (content: string) => string;
  /** Runs before POST /messages/ answers, instead of the later reply (to make the reply beat the receipt). */
  beforeMessageAnswer: ((body: { conversation: string; content: string }) => Promise<void>) | undefined;
  /** Rewrites each list page's `next` link (to test where the client follows it). */
  rewriteNext: ((next: string | null) => string | null) | undefined;
  /** A long streamed completion instead of the short one: this many events. */
  streamEvents: number | undefined;
  /** The time between two events of the long stream. Default 5. */
  streamGapMs: number;
  /** After the long stream's first event: keep the connection open and send nothing ('stall'), or drop it ('reset'). */
  streamBreak: 'stall' | 'reset' | undefined;
  /** Resolves once every reply on its way has been POSTed and recorded. */
  settled(): Promise<unknown>;
  close(): Promise<void>;
}

export interface FakeMaiAgentOptions {
  /** How long after `messages.create` the reply is POSTed to the webhook. Default 50. */
  replyDelayMs?: number | undefined;
  /** The reply's text for a message's. Default: `echo: <content>`. */
  answer?: ((content: string) => string) | undefined;
}

interface FakeState extends FakeMaiAgent {
  /** Replies still on their way to the webhook. */
  pending: Set<Promise<void>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bodies the fake reads are whatever the client sent
type Body = any;

/** Starts a fake MaiAgent on 127.0.0.1, on a port the system picks. */
export async function startFakeMaiAgent(options: FakeMaiAgentOptions = {}): Promise<FakeMaiAgent> {
  const { createServer } = await import('node:http');
  const fake = {
    requests: [],
    failNext: new Map(),
    hang: new Set(),
    webhookRecords: [],
    cursorPages: false,
    webhookUrl: undefined,
    replyDelayMs: options.replyDelayMs ?? 50,
    answer: options.answer ?? ((content: string) => `echo: ${content}`),
    beforeMessageAnswer: undefined,
    rewriteNext: undefined,
    streamGapMs: 5,
    streamEvents: undefined,
    streamBreak: undefined,
    pending: new Set(),
  } as unknown as FakeState;
  const server = createServer((req, res) => void handle(fake, req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/`;
  fake.settled = () => Promise.all([...fake.pending]);
  fake.close = async () => {
    await fake.settled();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return fake;
}

async function handle(fake: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString();
  const body: Body = text ? JSON.parse(text) : undefined;
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  const path = url.pathname.replace(/^\/api\/v1\//, '');
  fake.requests.push({ method: req.method ?? '', path: `${path}${url.search}`, authorization: req.headers.authorization, body });
  const json = (status: number, value: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  if (req.headers.authorization !== `Api-Key ${API_KEY}`) return json(401, { detail: 'Authentication credentials were not provided.' });
  if (fake.hang.has(path)) return;
  const failure = fake.failNext.get(path)?.shift();
  if (failure) return json(failure, { detail: `fake failure ${failure}` });

  if (req.method === 'POST' && path === 'conversations/') return json(201, { id: globalThis.crypto.randomUUID(), inbox: { channelType: 'web' }, isAutoReplyNow: false, createdAt: String(Date.now()) });
  if (req.method === 'POST' && path === 'messages/') {
    if (fake.beforeMessageAnswer) await fake.beforeMessageAnswer(body);
    json(201, { id: globalThis.crypto.randomUUID(), conversation: body?.conversation, content: body?.content, type: 'incoming', createdAt: String(Date.now()), citations: [], citationNodes: [] });
    if (fake.webhookUrl && !fake.beforeMessageAnswer) replyLater(fake, body);
    return;
  }
  const records = /^chatbots\/([^/]+)\/webhook-records\/$/.exec(path);
  if (req.method === 'GET' && records) return json(200, recordsPage(fake, url, path));
  const chatbot = /^chatbots\/([^/]+)\/$/.exec(path);
  if (req.method === 'GET' && chatbot) return json(200, { id: chatbot[1], name: 'bot', webhookUrl: fake.webhookUrl ?? null, totalWordsCount: 3 });
  if (req.method === 'PATCH' && chatbot) {
    fake.webhookUrl = body?.webhookUrl ?? undefined;
    return json(200, { id: chatbot[1], name: 'bot', webhookUrl: body?.webhookUrl ?? null, totalWordsCount: 3 });
  }
  if (req.method === 'POST' && /^chatbots\/[^/]+\/completions\/$/.test(path)) {
    if (!body?.isStreaming) return json(200, { conversation_id: 'conv-sync', content: '從前有一隻小狗在玩球', done: true });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (fake.streamEvents) return streamSlowly(fake, res);
    // Split mid-event, as TCP may: the client must reassemble. The second event spans two data lines.
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

/**
 * A long answer: `streamEvents` pieces, `streamGapMs` apart; `streamBreak` after the first piece either stops
 * sending with the connection open ('stall') or drops the connection ('reset').
 */
async function streamSlowly(fake: FakeState, res: ServerResponse): Promise<void> {
  const events = fake.streamEvents ?? 0;
  for (let i = 0; i < events; i += 1) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, fake.streamGapMs));
    const last = i === events - 1;
    res.write(`data: ${JSON.stringify({ conversationId: 'conv-long', content: last ? '' : `piece ${i} `, done: last })}\n\n`);
    if (i === 0 && fake.streamBreak === 'stall') return;
    if (i === 0 && fake.streamBreak === 'reset') {
      await new Promise((resolve) => setTimeout(resolve, fake.streamGapMs));
      return void res.socket?.destroy();
    }
  }
  res.end();
}

/** The assistant's reply, POSTed to the webhook like MaiAgent does, and kept as a webhook record. */
function replyLater(fake: FakeState, { conversation, content }: { conversation: string; content: string }): void {
  const delivery = { id: globalThis.crypto.randomUUID(), conversation, sender: { id: 789, name: 'Assistant', avatar: '' }, type: 'outgoing', content: fake.answer(content), feedback: null, createdAt: String(Date.now()), attachments: [], citations: [] };
  const sent = (async () => {
    await new Promise((resolve) => setTimeout(resolve, fake.replyDelayMs));
    const response = await fetch(fake.webhookUrl as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(delivery) }).catch(() => undefined);
    const answer = response ? await response.text() : '';
    fake.webhookRecords.push({ id: globalThis.crypto.randomUUID(), url: fake.webhookUrl, requestBody: delivery, response: answer, statusCode: response ? response.status : null, createdAt: String(Date.now()) });
  })();
  fake.pending.add(sent);
  void sent.finally(() => fake.pending.delete(sent));
}

/** Two records a page; `next` an absolute URL, with a page number, or with a cursor (no count) as other endpoints do. */
function recordsPage(fake: FakeState, url: URL, path: string): Record<string, unknown> {
  const size = 2;
  const base = `${url.origin}/api/v1/${path}`;
  if (fake.cursorPages) {
    const at = Number(Buffer.from(url.searchParams.get('cursor') ?? 'MA==', 'base64').toString());
    const more = at + size < fake.webhookRecords.length;
    const next = more ? `${base}?cursor=${encodeURIComponent(Buffer.from(String(at + size)).toString('base64'))}` : null;
    return { next: fake.rewriteNext ? fake.rewriteNext(next) : next, previous: null, results: fake.webhookRecords.slice(at, at + size) };
  }
  const page = Number(url.searchParams.get('page') ?? 1);
  const more = page * size < fake.webhookRecords.length;
  const next = more ? `${base}?page=${page + 1}` : null;
  return { count: fake.webhookRecords.length, next: fake.rewriteNext ? fake.rewriteNext(next) : next, previous: null, results: fake.webhookRecords.slice((page - 1) * size, page * size) };
}
