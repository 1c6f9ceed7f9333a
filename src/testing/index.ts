import type { GptBotsPayload } from '../presets/gptbots';
import type { MaiAgentPayload } from '../presets/maiagent';

/**
 * A valid MaiAgent delivery body, shaped like the platform documents' example, with a fresh `id` each call
 * (so the same body is never mistaken for a retry) and `created_at` the time it was built, as the platform dates a
 * reply it sends now (a `ReplyHub` ignores replies created before its wait began). Override any field; `undefined`
 * removes it.
 */
export function buildMaiAgentDelivery(overrides: Partial<Record<keyof MaiAgentPayload, unknown>> = {}): MaiAgentPayload & { id: string } {
  return withoutUndefined({
    id: globalThis.crypto.randomUUID(),
    conversation: 'conv-0001',
    sender: { id: 789, name: 'Assistant', avatar: 'https://example.com/avatar.jpg' },
    type: 'outgoing',
    content: '您好！這是 AI 助理的回覆。',
    feedback: null,
    created_at: String(Date.now()),
    attachments: [],
    citations: [],
    ...overrides,
  }) as MaiAgentPayload & { id: string };
}

/** A valid GPTBots V2 delivery body (the shape GPTBots sends today), with a fresh `message_id` each call. */
export function buildGptBotsDelivery(overrides: Partial<Record<keyof GptBotsPayload, unknown>> = {}): GptBotsPayload & { message_id: string } {
  return withoutUndefined({
    message_id: globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 24),
    conversation_id: '657303a8a764d47094874bbe',
    create_time: 1679587005,
    output: [{ from_component_branch: '1', from_component_name: 'Reply', content: { text: '您好！這是 AI 助理的回覆。' } }],
    usage: { tokens: { total_tokens: 29, prompt_tokens: 19, completion_tokens: 10 }, credits: { total_credits: 0 } },
    ...overrides,
  }) as GptBotsPayload & { message_id: string };
}

function withoutUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

export interface RetryPolicy {
  /** Attempts before giving up, the first included. Default 8. */
  maxAttempts?: number | undefined;
  /**
   * Wait before attempt `n + 1`: milliseconds, the same each time, or a function of `n` (counted from 1).
   * Default: 2^n × 10 ms, at most 1 s, with jitter.
   */
  backoffMs?: number | ((attempt: number) => number) | undefined;
}

export interface RetryReport {
  /** Whether an attempt got 200, the only answer the platforms count as delivered. */
  delivered: boolean;
  /** The status of each attempt; 0 where no answer came (the connection failed). */
  statuses: number[];
}

/**
 * Delivers like the platforms do: any answer but 200 (or none) is retried after a backoff, up to a bound.
 * `attempt` sends one try and resolves with its status.
 */
export async function deliverWithRetries(attempt: () => Promise<number>, policy: RetryPolicy = {}): Promise<RetryReport> {
  const maxAttempts = policy.maxAttempts ?? 8;
  const backoffMs = backoffOf(policy.backoffMs);
  const statuses: number[] = [];
  for (let n = 1; n <= maxAttempts; n += 1) {
    const status = await attempt().catch(() => 0);
    statuses.push(status);
    if (status === 200) return { delivered: true, statuses };
    if (n < maxAttempts) await new Promise((resolve) => setTimeout(resolve, backoffMs(n)));
  }
  return { delivered: false, statuses };
}

function backoffOf(backoffMs: RetryPolicy['backoffMs']): (attempt: number) => number {
  if (typeof backoffMs === 'number') return () => backoffMs;
  return backoffMs ?? ((n: number) => Math.min(2 ** n * 10, 1000) * (0.5 + Math.random() / 2));
}

export interface SendDeliveryOptions {
  /** The token, sent as `Authorization: Bearer` (or as `?token=` with `auth: 'query'`). */
  token?: string | undefined;
  auth?: 'bearer' | 'query' | undefined;
  /** The body: an object (sent as JSON) or text. Default: a fresh sample delivery for `provider`. */
  body?: unknown;
  provider?: 'maiagent' | 'gptbots' | undefined;
  /** Path on an app or listener. Default `/maiagent/webhook` (`/gptbots/webhook` for gptbots). */
  path?: string | undefined;
}

export interface SentDelivery {
  status: number;
  headers: Headers;
  /** The answer's JSON, or its text when it is not JSON (an HTML 404 page, say); undefined when empty. */
  body: unknown;
}

/** A `(req, res)` listener: an Express app, or a `maiagent-webhook/node` handler. */
export type RequestListenerLike = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;

/**
 * Sends one delivery the way the platform does: to a URL, or to an app or listener, which is served on
 * 127.0.0.1 on a free port for the duration of the call.
 */
export async function sendDelivery(target: string | RequestListenerLike, options: SendDeliveryOptions = {}): Promise<SentDelivery> {
  const provider = options.provider ?? 'maiagent';
  const body = options.body ?? (provider === 'gptbots' ? buildGptBotsDelivery() : buildMaiAgentDelivery());
  if (typeof target === 'string') return post(target, body, options);
  const { createServer } = await import('node:http');
  const server = createServer(target);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as import('node:net').AddressInfo;
    return await post(`http://127.0.0.1:${port}${options.path ?? `/${provider}/webhook`}`, body, options);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function post(url: string, body: unknown, options: SendDeliveryOptions): Promise<SentDelivery> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let target = url;
  if (options.token !== undefined && options.auth === 'query') target += `${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(options.token)}`;
  else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(target, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: parsedOrText(await response.text()) };
}

function parsedOrText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export { startFakeMaiAgent, API_KEY as FAKE_MAIAGENT_API_KEY, type FakeMaiAgent, type FakeMaiAgentOptions } from './fake-maiagent';
