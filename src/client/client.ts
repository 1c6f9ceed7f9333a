import { MaiAgentApiError } from './errors';
import type { ReplyWaiter, HubReply } from './reply-hub';
import type { Attachment, Chatbot, Completion, CompletionChunk, CompletionInput, Conversation, Message, WebhookRecord } from './types';

export interface MaiAgentClientOptions {
  /** The API key (admin → account → API keys). Sent as `Authorization: Api-Key <key>`, never logged or thrown. */
  apiKey: string;
  /** Default `https://api.maiagent.ai/api/v1/`; a private deployment's own host otherwise. */
  baseUrl?: string | undefined;
  /** Per call, unless the call says otherwise. Default 30000. */
  timeoutMs?: number | undefined;
  /** How many times a read (GET) is tried again after a network error or a 5xx. Default 2. Writes are never retried. */
  retries?: number | undefined;
  /** The fetch to use. Default: the global one. */
  fetch?: typeof fetch | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface AskOptions {
  /** Where the receiver publishes replies: a `ReplyHub` (one process) or a `RedisReplyHub` (several). */
  replies: ReplyWaiter;
  /** How long to wait for the reply, sending included. Default 120000. */
  timeoutMs?: number | undefined;
  /** Stops the wait (and the send, if it is still under way). */
  signal?: AbortSignal | undefined;
}

export const DEFAULT_BASE_URL = 'https://api.maiagent.ai/api/v1/';
const DEFAULT_TIMEOUT_MS = 30_000;

export type MaiAgentClient = ReturnType<typeof createMaiAgentClient>;

/** A typed client for the calls around the webhook: send a message, await its reply, read what was delivered. */
export function createMaiAgentClient(options: MaiAgentClientOptions) {
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') throw new TypeError('createMaiAgentClient: apiKey must be a non-empty string');
  const base = new URL(options.baseUrl ?? DEFAULT_BASE_URL);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const send = requester({ ...options, base });

  const client = {
    conversations: {
      /** Starts a conversation on a web chat (its id is at the bottom of the assistant's page). */
      create: ({ webChat }: { webChat: string }, call?: CallOptions) => send<Conversation>('POST', 'conversations/', { webChat }, call),
    },
    messages: {
      /** Sends a user message. Answers the stored message, not the reply: that arrives at the webhook. Never retried. */
      create: ({ conversation, content, attachments = [] }: { conversation: string; content: string; attachments?: Attachment[] }, call?: CallOptions) =>
        send<Message>('POST', 'messages/', { conversation, content, attachments }, call),
    },
    webhookRecords: {
      /** Every delivery MaiAgent made to the chatbot's webhook, page after page (following `next`). */
      list: (chatbotId: string, call?: CallOptions): AsyncIterable<WebhookRecord> => pages<WebhookRecord>(send, `chatbots/${encodeURIComponent(chatbotId)}/webhook-records/`, call),
    },
    chatbots: {
      /** Points the chatbot's deliveries at `url` (`null` clears it). */
      setWebhookUrl: (chatbotId: string, url: string | null, call?: CallOptions) =>
        send<Chatbot>('PATCH', `chatbots/${encodeURIComponent(chatbotId)}/`, { webhookUrl: url }, call),
    },
    completions: {
      /** Asks the chatbot and waits for the whole answer in the response (no webhook involved). */
      create: (chatbotId: string, input: CompletionInput, call?: CallOptions) =>
        send<Completion>('POST', completionsPath(chatbotId), completionBody(input, false), call).then(normalizeConversationId),
      /** The same, as server-sent events: the answer piece by piece, the last chunk `done: true`. */
      stream: (chatbotId: string, input: CompletionInput, call?: CallOptions): AsyncIterable<CompletionChunk> =>
        streamed(send, completionsPath(chatbotId), completionBody(input, true), call),
    },
    /**
     * Sends a message and resolves with its reply, as the webhook delivers it. The wait is armed before the message
     * goes out, so a reply that beats the receipt is not lost. One message in flight per conversation: replies carry
     * no reference to the message that caused them, only the conversation.
     */
    async ask(message: { conversation: string; content: string; attachments?: Attachment[] }, { replies, timeoutMs = 120_000, signal }: AskOptions): Promise<HubReply> {
      await replies.ready();
      const giveUp = new AbortController();
      const reply = replies.next(message.conversation, { signal: anySignal(giveUp.signal, signal), timeoutMs });
      try {
        await client.messages.create(message, { signal });
      } catch (error) {
        giveUp.abort(error);
        reply.catch(() => {});
        throw error;
      }
      return reply;
    },
  };
  return client;
}

type Send = <T>(method: string, path: string, body?: unknown, call?: CallOptions, raw?: boolean) => Promise<T>;

function requester({ apiKey, base, timeoutMs = DEFAULT_TIMEOUT_MS, retries = 2, fetch: fetchImpl = fetch }: MaiAgentClientOptions & { base: URL }): Send {
  const authorization = `Api-Key ${apiKey.trim()}`;
  return async <T>(method: string, path: string, body?: unknown, call: CallOptions = {}, raw = false): Promise<T> => {
    const url = path.startsWith('http') ? path : new URL(path, base).toString();
    const operation = `${method} ${new URL(url).pathname}`;
    const tries = method === 'GET' ? retries + 1 : 1;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method,
          headers: { authorization, accept: raw ? 'text/event-stream' : 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? null : JSON.stringify(body),
          signal: anySignal(AbortSignal.timeout(call.timeoutMs ?? timeoutMs), call.signal),
        });
      } catch (cause) {
        if (call.signal?.aborted || attempt >= tries) throw new MaiAgentApiError(operation, { cause });
        await backoff(attempt);
        continue;
      }
      if (response.ok) return (raw ? response : await parsed(response)) as T;
      const failure = new MaiAgentApiError(operation, { status: response.status, body: await parsed(response) });
      if (response.status < 500 || attempt >= tries) throw failure;
      await backoff(attempt);
    }
  };
}

async function parsed(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return present.length === 1 ? (present[0] as AbortSignal) : AbortSignal.any(present);
}

/** Follows `next` links rather than building page numbers: MaiAgent's endpoints paginate in three different ways. */
async function* pages<T>(send: Send, path: string, call?: CallOptions): AsyncIterable<T> {
  let next: string | null | undefined = path;
  while (next) {
    const page: { results?: T[]; next?: string | null } = await send('GET', next, undefined, call);
    yield* page.results ?? [];
    next = page.next;
  }
}

function completionsPath(chatbotId: string): string {
  return `chatbots/${encodeURIComponent(chatbotId)}/completions/`;
}

function completionBody({ conversation, content, attachments }: CompletionInput, isStreaming: boolean) {
  return { conversation: conversation ?? null, message: { content, ...(attachments ? { attachments } : {}) }, isStreaming };
}

/** The documents spell it `conversationId` and `conversation_id`: the client answers with the first. */
function normalizeConversationId<T extends { conversationId?: unknown; conversation_id?: unknown }>(value: T): T & { conversationId: string } {
  const { conversation_id: snake, ...rest } = value;
  return { ...rest, conversationId: (value.conversationId ?? snake) as string } as T & { conversationId: string };
}

/**
 * Reads a server-sent event stream: an event's `data:` lines joined, an empty line ending it (as the SSE standard
 * says). `[DONE]`, which some of MaiAgent's examples send, ends the stream, as does a chunk with `done: true`.
 */
async function* streamed(send: Send, path: string, body: unknown, call?: CallOptions): AsyncIterable<CompletionChunk> {
  const response = await send<Response>('POST', path, body, call, true);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffered += done ? `${decoder.decode()}\n\n` : decoder.decode(value, { stream: true });
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        if (line !== '' || data.length === 0) continue;
        const event = data.join('\n').trim();
        data = [];
        if (event === '[DONE]') return;
        const chunk = normalizeConversationId(JSON.parse(event) as CompletionChunk);
        yield chunk;
        if (chunk.done) return;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
    await response.body?.cancel().catch(() => {});
  }
}
