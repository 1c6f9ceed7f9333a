import { MaiAgentApiError, reasonOf } from './errors';
import { timerMilliseconds } from './limits';
import { redacted, refuseControlCharacters, withoutSecrets } from './secrets';
import type { ReplyWaiter, HubReply } from './reply-hub';
import type { Attachment, Chatbot, Completion, CompletionChunk, CompletionInput, Conversation, SentMessage, WebhookRecord } from './types';

export interface MaiAgentClientOptions {
  /** The API key (admin → account → API keys). Sent as `Authorization: Api-Key <key>`, never logged or thrown. */
  apiKey: string;
  /** Default `https://api.maiagent.ai/api/v1/`; a private deployment's own host otherwise. http(s), without a username or password. */
  baseUrl?: string | undefined;
  /** Per call, unless the call says otherwise. Default 30000; whole milliseconds from 1 to 2^31-1. */
  timeoutMs?: number | undefined;
  /** How many times a read (GET) is tried again after a network error or a 5xx. Default 2, at most 10. Writes are never retried. */
  retries?: number | undefined;
  /** The fetch to use. Default: the global one. */
  fetch?: typeof fetch | undefined;
}

export interface CallOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
}

export interface ListOptions extends CallOptions {
  /**
   * The most pages a listing reads before it ends with a `MaiAgentApiError`. Default 1000. A bound, so that a server
   * whose `next` links never end (each a new page) cannot keep a listing, and what holds its records, going forever.
   */
  maxPages?: number | undefined;
}

export interface AskOptions {
  /** Where the receiver publishes replies: a `ReplyHub` (one process) or a `RedisReplyHub` (several). */
  replies: ReplyWaiter;
  /** How long to wait for the reply, the hub getting ready and the send included. Default 120000 (2 minutes). */
  timeoutMs?: number | undefined;
  /** Stops the wait (and the send, if it is still under way). */
  signal?: AbortSignal | undefined;
}

export const DEFAULT_BASE_URL = 'https://api.maiagent.ai/api/v1/';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PAGES = 1000;
/** How long `ask` waits for the reply, the hub getting ready and the send included: 2 minutes. */
export const DEFAULT_ASK_TIMEOUT_MS = 120_000;

export type MaiAgentClient = ReturnType<typeof createMaiAgentClient>;

/** A typed client for the calls around the webhook: send a message, await its reply, read what was delivered. */
export function createMaiAgentClient(options: MaiAgentClientOptions) {
  if (typeof options?.apiKey !== 'string' || options.apiKey.trim() === '') throw new TypeError('createMaiAgentClient: apiKey must be a non-empty string');
  refuseControlCharacters(options.apiKey.trim(), 'createMaiAgentClient: apiKey');
  const base = baseUrlOf(options.baseUrl ?? DEFAULT_BASE_URL);
  if (options.timeoutMs !== undefined) timerMilliseconds(options.timeoutMs, 'createMaiAgentClient: timeoutMs');
  if (options.retries !== undefined) retriesOf(options.retries);
  const send = requester({ ...options, base });
  const streamTimeoutMs = (call?: CallOptions) => call?.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const client = {
    conversations: {
      /** Starts a conversation on a web chat (its id is at the bottom of the assistant's page). */
      create: async ({ webChat }: { webChat: string }, call?: CallOptions) => send<Conversation>('POST', 'conversations/', { webChat }, call),
    },
    messages: {
      /** Sends a user message. Answers the stored message, not the reply: that arrives at the webhook. Never retried. */
      create: async ({ conversation, content, attachments = [] }: { conversation: string; content: string; attachments?: Attachment[] }, call?: CallOptions) =>
        send<SentMessage>('POST', 'messages/', { conversation: idOf(conversation, 'conversation'), content, attachments }, call),
    },
    webhookRecords: {
      /**
       * Every delivery MaiAgent made to the chatbot's webhook (one record per attempt), page after page: `next` is
       * followed only on `baseUrl`'s host and path, re-based onto `baseUrl` (a link elsewhere, or one that repeats,
       * ends the listing with a `MaiAgentApiError`).
       */
      list: (chatbotId: string, call?: ListOptions): AsyncIterable<WebhookRecord> => pages<WebhookRecord>(send, base, () => `${chatbotPath(chatbotId)}webhook-records/`, call),
    },
    chatbots: {
      /** The chatbot as MaiAgent has it now (its current `webhookUrl` among the rest). */
      get: async (chatbotId: string, call?: CallOptions) => send<Chatbot>('GET', chatbotPath(chatbotId), undefined, call),
      /** Points the chatbot's deliveries at `url` (`null` clears it). */
      setWebhookUrl: async (chatbotId: string, url: string | null, call?: CallOptions) => send<Chatbot>('PATCH', chatbotPath(chatbotId), { webhookUrl: url }, call),
    },
    completions: {
      /** Asks the chatbot and waits for the whole answer in the response (no webhook involved). */
      create: async (chatbotId: string, input: CompletionInput, call?: CallOptions) =>
        send<Completion>('POST', `${chatbotPath(chatbotId)}completions/`, completionBody(input, false), call).then(normalizeConversationId),
      /**
       * The same, as server-sent events: the answer piece by piece, the last chunk `done: true`. Lives as long as the
       * answer: `timeoutMs` bounds the wait for the response headers and each silence between two events.
       */
      stream: (chatbotId: string, input: CompletionInput, call?: CallOptions): AsyncIterable<CompletionChunk> =>
        streamed(send, new URL(`${chatbotPath(chatbotId)}completions/`, base), completionBody(input, true), call, streamTimeoutMs(call)),
    },
    /**
     * Sends a message and resolves with its reply, as the webhook delivers it: `{ reply, delivered }`, `delivered`
     * being the assistant's message (not the receipt `messages.create` answers, which ask does not wait for). The
     * wait is armed before the message goes out, so a reply that beats the receipt is not lost. One message in
     * flight per conversation: replies carry no reference to the message that caused them, only the conversation.
     */
    async ask(toSend: { conversation: string; content: string; attachments?: Attachment[] }, { replies, timeoutMs = DEFAULT_ASK_TIMEOUT_MS, signal }: AskOptions): Promise<HubReply> {
      timerMilliseconds(timeoutMs, 'ask: timeoutMs');
      const giveUp = new AbortController();
      const stop = anySignal(giveUp.signal, signal);
      let phase: AskPhase = 'hub';
      const timer = setTimeout(() => giveUp.abort(askTimedOut(timeoutMs, phase)), timeoutMs);
      try {
        await untilAborted(replies.ready(), stop);
        phase = 'sending';
        const reply = replies.next(toSend.conversation, { signal: stop });
        const sent = client.messages.create(toSend, { signal: stop }).finally(() => (phase = 'sent'));
        return await firstOf(reply, sent, stop);
      } finally {
        clearTimeout(timer);
        // Ends whatever is left: the hub's waiter after a failed send, the receipt after a reply that beat it.
        giveUp.abort(new DOMException('ask ended', 'AbortError'));
      }
    },
  };
  return client;
}

const MAX_RETRIES = 10;

function retriesOf(retries: number): number {
  if (!Number.isInteger(retries) || retries < 0 || retries > MAX_RETRIES) throw new TypeError(`createMaiAgentClient: retries must be a whole number from 0 to ${MAX_RETRIES}, not ${String(retries)}`);
  return retries;
}

/**
 * `baseUrl`, its path ending in `/`. A URL that does not parse, is not http(s), or holds a username or password is
 * refused without quoting it: MaiAgent authenticates with the `Api-Key` header, never userinfo, and fetch's own
 * error for userinfo would carry the password into the error's cause.
 */
function baseUrlOf(baseUrl: string): URL {
  if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl)) throw new TypeError('createMaiAgentClient: baseUrl must be an http:// or https:// URL');
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('createMaiAgentClient: baseUrl must be an http:// or https:// URL');
  if (base.username !== '' || base.password !== '') throw new TypeError('createMaiAgentClient: baseUrl must not hold a username or password (MaiAgent reads the API key from the Authorization header): refused, not shown');
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

/**
 * The reply, or the reason ask ended without it: the send failed (its `MaiAgentApiError`), the wait timed out, or
 * the caller aborted (their reason). Both promises are handled from the start, whichever settles first, so nothing
 * is ever left rejecting unheard. A reply that beats the receipt is answered at once; the receipt is not awaited.
 */
async function firstOf(reply: Promise<HubReply>, sent: Promise<unknown>, stop: AbortSignal): Promise<HubReply> {
  const first = await Promise.race([
    reply.then((value) => ({ value }), (error: unknown) => ({ error: stop.aborted ? stop.reason : error })),
    sent.then(() => undefined, (error: unknown) => ({ error: stop.aborted ? stop.reason : error })),
  ]);
  if (first === undefined) return reply.catch((error: unknown) => Promise.reject(stop.aborted ? stop.reason : error));
  if ('value' in first) return first.value;
  throw first.error;
}

/** Where ask was when its time ran out: the caller may send again only if nothing was sent. */
type AskPhase = 'hub' | 'sending' | 'sent';
const TIMED_OUT_DURING: Record<AskPhase, string> = {
  hub: ' (the reply hub was not ready: nothing was sent)',
  sending: ' (messages.create had not answered)',
  sent: '',
};

function askTimedOut(timeoutMs: number, phase: AskPhase): DOMException {
  return new DOMException(`ask: timed out after ${timeoutMs} ms waiting for the reply${TIMED_OUT_DURING[phase]}`, 'TimeoutError');
}

/** Settles like `promise`, or rejects with the signal's reason once it aborts, whichever comes first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One call to the API. `target` is a path under `baseUrl`, or a URL already checked to be on it. With `stream`, the
 * response is answered as soon as its headers are in (`timeoutMs` bounding only that wait) and `stream` aborts it.
 */
type Send = <T>(method: string, target: string | URL, body?: unknown, call?: CallOptions, stream?: AbortController) => Promise<T>;

function requester({ apiKey, base, timeoutMs = DEFAULT_TIMEOUT_MS, retries = 2, fetch: fetchImpl = fetch }: MaiAgentClientOptions & { base: URL }): Send {
  const key = apiKey.trim();
  const authorization = `Api-Key ${key}`;
  return async <T>(method: string, target: string | URL, body?: unknown, call: CallOptions = {}, stream?: AbortController): Promise<T> => {
    const url = new URL(target, base);
    const operation = `${method} ${url.pathname}`;
    const tries = method === 'GET' ? retries + 1 : 1;
    const limit = call.timeoutMs === undefined ? timeoutMs : timerMilliseconds(call.timeoutMs, 'MaiAgent client: timeoutMs');
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      let answered: unknown;
      // A stream's headers, and an error answer's whole body, must come within `limit`: an answer that stalls after
      // its headers ends as a MaiAgentApiError too.
      const headersTimer = stream && setTimeout(() => stream.abort(new DOMException(`no response headers within ${limit} ms`, 'TimeoutError')), limit);
      try {
        response = await fetchImpl(url, {
          method,
          headers: { authorization, accept: stream ? 'text/event-stream' : 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? null : JSON.stringify(body),
          signal: anySignal(stream ? stream.signal : AbortSignal.timeout(limit), call.signal),
          // A redirect would hand the answer to another host: its records would be replayed as MaiAgent's.
          redirect: 'manual',
        });
        if (isRedirect(response)) throw await redirectRefused(response, operation, url);
        if (stream && response.ok) return response as T;
        answered = await parsed(response, key);
      } catch (cause) {
        // A refused redirect: another try would be answered the same.
        if (cause instanceof MaiAgentApiError) throw cause;
        if (call.signal?.aborted || attempt >= tries) throw new MaiAgentApiError(operation, { cause: redacted(cause, [key]) });
        await backoff(attempt);
        continue;
      } finally {
        clearTimeout(headersTimer);
      }
      if (response.ok) return jsonObjectOf(answered, operation, response.status) as T;
      const failure = new MaiAgentApiError(operation, { status: response.status, body: answered instanceof NotJson ? answered.text : answered });
      if (response.status < 500 || attempt >= tries) throw failure;
      await backoff(attempt);
    }
  };
}

/** The answer's body, parsed when it is JSON, with any copy of the key (an error that quotes the request) cut out. */
async function parsed(response: Response, key: string): Promise<unknown> {
  const text = withoutSecrets(await response.text(), [key]);
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new NotJson(text);
  }
}

/** A body that did not parse as JSON: kept as text for an error answer, refused in a success. */
class NotJson {
  constructor(readonly text: string) {}
}

function isRedirect(response: Response): boolean {
  return response.status >= 300 && response.status < 400;
}

/**
 * The refusal of a 3xx, naming only where it pointed: the origin, since a location's path and query may hold
 * anything (a token, the key echoed back).
 */
async function redirectRefused(response: Response, operation: string, url: URL): Promise<MaiAgentApiError> {
  await response.body?.cancel().catch(() => {});
  const location = response.headers.get('location');
  const target = location !== null && URL.canParse(location, url) ? new URL(location, url).origin : undefined;
  const where = target === undefined || target === 'null' ? 'elsewhere (no usable Location)' : `to ${target}`;
  return new MaiAgentApiError(operation, { status: response.status, problem: `the API redirected ${where}: not followed, the API key goes only to baseUrl` });
}

/** Every JSON call of the API answers an object: anything else is refused rather than read as one. */
function jsonObjectOf(answered: unknown, operation: string, status: number): object {
  const refuse = (what: string) => new MaiAgentApiError(operation, { status, problem: `answered ${status} with ${what}` });
  if (answered === undefined) throw refuse('an empty body');
  if (answered instanceof NotJson) throw refuse('a body that is not JSON');
  if (typeof answered !== 'object' || answered === null || Array.isArray(answered)) throw refuse('JSON that is not an object');
  return answered;
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined);
  return present.length === 1 ? (present[0] as AbortSignal) : AbortSignal.any(present);
}

/** Follows `next` links rather than building page numbers: MaiAgent's endpoints paginate in three different ways. */
async function* pages<T>(send: Send, base: URL, firstPath: () => string, call?: ListOptions): AsyncIterable<T> {
  const maxPages = call?.maxPages ?? DEFAULT_MAX_PAGES;
  if (!Number.isInteger(maxPages) || maxPages < 1) throw new TypeError('MaiAgent client: maxPages must be a whole number of at least 1');
  let next: URL | undefined = new URL(firstPath(), base);
  const read = new Set<string>();
  while (next) {
    if (read.size === maxPages) throw new MaiAgentApiError(`GET ${next.pathname}`, { problem: `more than ${maxPages} pages: stopped (pass maxPages to read further)` });
    read.add(next.href);
    const answer: object = await send<object>('GET', next, undefined, call);
    const page: { results: T[]; next?: unknown } = listingPage<T>(answer, `GET ${next.pathname}`);
    yield* page.results;
    next = page.next ? followable(page.next, base, read, `GET ${next.pathname}`) : undefined;
  }
}

/**
 * A page as MaiAgent documents it, `{ count, next, previous, results: [...] }`: one without a `results` array ends the
 * listing with an error, since reading it as empty would lose its records without a word.
 */
function listingPage<T>(page: object, operation: string): { results: T[]; next?: unknown } {
  const { results, next } = page as { results?: unknown; next?: unknown };
  if (!Array.isArray(results)) throw new MaiAgentApiError(operation, { problem: 'its page has no results array: stopped, the records it holds cannot be read' });
  return { results: results as T[], next };
}

/**
 * Where a `next` link may take the API key: only to `baseUrl`. A link on its host (whatever scheme or port: a DRF
 * API behind a TLS proxy writes `http://` links) has its path and query re-based onto `baseUrl`; any other host, a
 * path outside `baseUrl`'s, or a page already read is refused.
 */
function followable(link: unknown, base: URL, read: ReadonlySet<string>, operation: string): URL {
  const refuse = (problem: string) => new MaiAgentApiError(operation, { problem, body: { next: link } });
  if (typeof link !== 'string') throw refuse('its next link is not a string');
  if (!URL.canParse(link, base)) throw refuse('its next link is not a URL');
  const given = new URL(link, base);
  if (given.hostname !== base.hostname) throw refuse(`its next link (host ${given.hostname}) is not on baseUrl's host: not followed, the API key goes only to baseUrl`);
  if (!given.pathname.startsWith(base.pathname)) throw refuse("its next link is outside baseUrl's path: not followed");
  const next = new URL(`${given.pathname}${given.search}`, base.origin);
  if (read.has(next.href)) throw refuse('its next link repeats a page already read: stopped');
  return next;
}

/** An id that stays one path segment: never empty, `.`, `..`, nor holding a `/`. Refused before any request. */
/** An id the API takes as one path segment: non-empty, without '/', and not '.' or '..'. */
export function isPathSegmentId(id: unknown): id is string {
  return typeof id === 'string' && id !== '' && id !== '.' && id !== '..' && !id.includes('/');
}

function idOf(id: string, name: string): string {
  if (!isPathSegmentId(id)) throw new TypeError(`MaiAgent client: ${name} must be a non-empty id, without '/', and not '.' or '..'`);
  return id;
}

function chatbotPath(chatbotId: string): string {
  return `chatbots/${encodeURIComponent(idOf(chatbotId, 'chatbotId'))}/`;
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
 * `timeoutMs` bounds the wait for the headers, then each silence between reads; any failure, the headers' or one
 * mid-stream, is a `MaiAgentApiError`.
 */
async function* streamed(send: Send, target: URL, body: unknown, call: CallOptions | undefined, timeoutMs: number): AsyncIterable<CompletionChunk> {
  const stream = new AbortController();
  const response = await send<Response>('POST', target, body, call, stream);
  const operation = `POST ${target.pathname}`;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await readWithin(reader, stream, timeoutMs, operation);
      buffered += done ? `${decoder.decode()}\n\n` : decoder.decode(value, { stream: true });
      const lines = buffered.split(/\r?\n/);
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        if (line !== '' || data.length === 0) continue;
        const event = data.join('\n').trim();
        data = [];
        if (event === '[DONE]') return;
        const chunk = normalizeConversationId(parsedEvent(event, operation));
        yield chunk;
        if (chunk.done) return;
      }
      if (done) return;
    }
  } finally {
    stream.abort(new DOMException('the stream was left', 'AbortError'));
    reader.releaseLock();
    await response.body?.cancel().catch(() => {});
  }
}

/** The next read, within `timeoutMs` of silence; its failure, whatever it was, as a `MaiAgentApiError`. */
async function readWithin(reader: ReadableStreamDefaultReader<Uint8Array>, stream: AbortController, timeoutMs: number, operation: string) {
  const idle = setTimeout(() => stream.abort(new DOMException(`no event within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  try {
    return await reader.read();
  } catch (cause) {
    const reason: unknown = stream.signal.aborted ? stream.signal.reason : cause;
    const timedOut = (reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
    throw new MaiAgentApiError(operation, { cause: reason, problem: timedOut ? `the stream went quiet: no event within ${timeoutMs} ms` : `the stream broke (${reasonOf(reason)})` });
  } finally {
    clearTimeout(idle);
  }
}

function parsedEvent(event: string, operation: string): CompletionChunk {
  try {
    return JSON.parse(event) as CompletionChunk;
  } catch (cause) {
    throw new MaiAgentApiError(operation, { cause, problem: 'the stream sent an event that is not JSON' });
  }
}
