import type { Reply } from '../core/preset';
import type { DeliveredReply, ReplyListener } from '../core/replies';
import type { MaiAgentMessage } from '../presets/maiagent';
import { timerMilliseconds } from './limits';

/**
 * What `next` and `client.ask` resolve with: the assistant's reply as the webhook delivered it. `delivered` is the
 * typed message (a `MaiAgentMessage`, as `onMessage` gets it, unless the hub was made for another platform:
 * `new ReplyHub<GptBotsMessage>()`); `reply` its cross-platform view. Never the receipt of `messages.create`.
 */
export interface HubReply<Message = MaiAgentMessage> {
  /** The cross-platform view: `reply.text`, `reply.conversationId`, `reply.id`, `reply.createdAt`. */
  reply: Reply;
  /** The message the webhook delivered: the assistant's reply (`delivered.content`, `delivered.conversation`). */
  delivered: Message;
  /** @deprecated The same object as `delivered`, under its 0.x name; use `delivered`. */
  message: Message;
}

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Give up after this long (rejects with a `TimeoutError`). Default: wait until aborted. */
  timeoutMs?: number | undefined;
}

/** What `client.ask` needs of a hub: to be listening, then to wait for a conversation's next reply. */
export interface ReplyWaiter<Message = MaiAgentMessage> {
  /** Resolves once the hub hears replies (at once in memory; once subscribed over Redis). */
  ready(): Promise<void>;
  next(conversationId: string, options?: WaitOptions): Promise<HubReply<Message>>;
}

export interface ReplyHubOptions {
  /**
   * How far the platform's clock may be behind this process's: a reply resolves a waiter only if it was created
   * no earlier than this before the wait began. Default 30000 (30 s).
   */
  clockSkewMs?: number;
}

interface Waiter<Message> {
  /** When the wait began (this process's clock). */
  since: number;
  resolve(reply: HubReply<Message>): void;
  reject(reason: unknown): void;
}

/** How many recent message ids a hub remembers, so a duplicate publish never resolves a second waiter. */
const REMEMBERED_IDS = 10_000;
const DEFAULT_CLOCK_SKEW_MS = 30_000;
/** Platforms whose reply time is documented (MaiAgent: epoch milliseconds); GPTBots' `create_time` unit is not. */
const DATED_PLATFORMS: ReadonlySet<string> = new Set(['maiagent']);

/**
 * Matches replies to the code waiting for them, in one process: pass it to the webhook (`replies: hub`) and to
 * `client.ask`. A reply resolves the first waiter on its conversation (first come, first served) whose wait began
 * before the reply was created (give or take `clockSkewMs`): a reply nobody waits for is not kept, one that arrives
 * after its waiter gave up resolves nothing, and an old reply replayed later (reconcile) resolves no new question.
 * Each message id resolves at most one waiter, even if published twice.
 */
export class ReplyHub<Message = MaiAgentMessage> implements ReplyWaiter<Message>, ReplyListener {
  private readonly waiting = new Map<string, Waiter<Message>[]>();
  private readonly seen = new Set<string>();
  private readonly clockSkewMs: number;
  private closed = false;

  constructor(options: ReplyHubOptions = {}) {
    this.clockSkewMs = nonNegative(options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS, 'ReplyHub: clockSkewMs');
  }

  /** Rejects once the hub is closed, so `ask` sends nothing whose reply no one could hear. */
  ready(): Promise<void> {
    return this.closed ? Promise.reject(new Error('ReplyHub closed')) : Promise.resolve();
  }

  next(conversationId: string, { signal, timeoutMs }: WaitOptions = {}): Promise<HubReply<Message>> {
    return new Promise((resolve, reject) => {
      if (timeoutMs !== undefined) timerMilliseconds(timeoutMs, 'hub.next: timeoutMs');
      if (this.closed) return reject(new Error('ReplyHub closed'));
      if (signal?.aborted) return reject(signal.reason);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const giveUp = (reason: unknown) => {
        done();
        this.forget(conversationId, waiter);
        reject(reason);
      };
      const onAbort = () => giveUp(signal?.reason);
      const waiter: Waiter<Message> = {
        since: Date.now(),
        resolve: (reply) => {
          done();
          resolve(reply);
        },
        reject: (reason) => {
          done();
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(() => giveUp(new DOMException(`no reply within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
      const queue = this.waiting.get(conversationId);
      if (queue) queue.push(waiter);
      else this.waiting.set(conversationId, [waiter]);
    });
  }

  /** The webhook calls this once a reply was delivered. */
  publish(delivered: DeliveredReply): void {
    const key = `${delivered.reply.platform}:${delivered.reply.id}`;
    if (this.seen.has(key)) return;
    this.remember(key);
    const conversation = delivered.reply.conversationId;
    const queue = this.waiting.get(conversation);
    const at = queue?.findIndex((waiter) => !this.createdBefore(delivered, waiter)) ?? -1;
    if (!queue || at < 0) return;
    const [first] = queue.splice(at, 1);
    if (queue.length === 0) this.waiting.delete(conversation);
    first?.resolve(hubReplyOf<Message>(delivered));
  }

  /** Ends every wait still open with `reason`; later waits, and `ready()`, reject with `ReplyHub closed`. */
  close(reason: unknown = new Error('ReplyHub closed')): void {
    this.closed = true;
    const queues = [...this.waiting.values()];
    this.waiting.clear();
    for (const waiter of queues.flat()) waiter.reject(reason);
  }

  /** How many are waiting, on every conversation. */
  get waiters(): number {
    let count = 0;
    for (const queue of this.waiting.values()) count += queue.length;
    return count;
  }

  /** A reply whose time cannot be trusted (not a number; GPTBots', whose unit is undocumented) is not judged old. */
  private createdBefore({ reply }: DeliveredReply, waiter: Waiter<Message>): boolean {
    return DATED_PLATFORMS.has(reply.platform) && reply.createdAt.getTime() < waiter.since - this.clockSkewMs;
  }

  private forget(conversationId: string, waiter: Waiter<Message>): void {
    const queue = this.waiting.get(conversationId);
    if (!queue) return;
    const at = queue.indexOf(waiter);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) this.waiting.delete(conversationId);
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > REMEMBERED_IDS) this.seen.delete(this.seen.values().next().value as string);
  }
}

export interface RedisReplyHubOptions extends ReplyHubOptions {
  /** Publishes one message on a channel: node-redis `(c, m) => client.publish(c, m)`, ioredis the same. */
  publish: (channel: string, message: string) => Promise<unknown>;
  /**
   * Subscribes `listener` to a channel, on a connection of its own (Redis reserves a subscribed connection):
   * node-redis `(c, l) => subscriber.subscribe(c, l)`; ioredis, see docs/whole-flow.md (its one 'message' event
   * must be listened to once, not at each subscribe). Called again by the next wait when it failed.
   */
  subscribe: (channel: string, listener: (message: string) => void) => Promise<unknown>;
  /** Undoes `subscribe`, for `close()`: node-redis `(c, l) => subscriber.unsubscribe(c, l)`. */
  unsubscribe?: (channel: string, listener: (message: string) => void) => Promise<unknown>;
  /** Default `'maiagent-webhook:replies'`. */
  channel?: string | undefined;
}

/**
 * A `ReplyHub` across processes, over Redis pub/sub: the process that received the webhook publishes each reply,
 * and every process resolves its own waiters, so the one that sent the message gets the reply whichever process
 * the platform delivered it to. Client-agnostic, like `RedisStore`: it takes a publish and a subscribe function.
 * Pub/sub keeps nothing: a process not subscribed when a reply is published does not see it.
 */
export class RedisReplyHub<Message = MaiAgentMessage> implements ReplyWaiter<Message>, ReplyListener {
  private readonly local: ReplyHub<Message>;
  private readonly channel: string;
  private subscribed: Promise<void> | undefined;
  /** Whether `subscribed` has landed: close() undoes a landed subscribe, and never waits for a pending one. */
  private landed = false;
  private closed = false;
  /** One function for every subscribe, so a client that keys listeners by function sees the same one. */
  private readonly listener = (message: string) => this.heard(message);

  constructor(private readonly options: RedisReplyHubOptions) {
    if (typeof options?.publish !== 'function' || typeof options.subscribe !== 'function') throw new TypeError('RedisReplyHub: publish and subscribe must be functions');
    if (options.unsubscribe !== undefined && typeof options.unsubscribe !== 'function') throw new TypeError('RedisReplyHub: unsubscribe must be a function');
    this.local = new ReplyHub<Message>({ clockSkewMs: options.clockSkewMs });
    this.channel = options.channel ?? 'maiagent-webhook:replies';
  }

  /** Subscribes once; a subscribe that failed (Redis away) is forgotten, so the next wait tries again. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    if (this.subscribed) return this.subscribed;
    const attempt = Promise.resolve()
      .then(() => this.options.subscribe(this.channel, this.listener))
      .then(() => undefined);
    this.subscribed = attempt;
    attempt.then(
      () => (this.landed = this.subscribed === attempt),
      () => {
        if (this.subscribed === attempt) this.subscribed = undefined;
      },
    );
    return attempt;
  }

  next(conversationId: string, options?: WaitOptions): Promise<HubReply<Message>> {
    if (this.closed) return Promise.reject(closedError());
    void this.ready().catch(() => {});
    return this.local.next(conversationId, options);
  }

  publish(delivered: DeliveredReply): Promise<unknown> {
    return this.options.publish(this.channel, JSON.stringify(delivered));
  }

  /**
   * Ends the waits still open, and unsubscribes (when `unsubscribe` was given). Later waits reject. A subscribe still
   * waiting for Redis (a client that queues commands while it is away) is not waited for: it is undone once it lands.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.close(closedError());
    const subscribed = this.subscribed;
    const { unsubscribe } = this.options;
    this.subscribed = undefined;
    if (!subscribed || !unsubscribe) return;
    if (this.landed) return void (await unsubscribe(this.channel, this.listener));
    subscribed.then(() => unsubscribe(this.channel, this.listener)).catch(() => {});
  }

  private heard(message: string): void {
    if (this.closed) return;
    try {
      const delivered = JSON.parse(message) as DeliveredReply & { reply: { createdAt: string } };
      this.local.publish({ ...delivered, reply: { ...delivered.reply, createdAt: new Date(delivered.reply.createdAt) } });
    } catch {
      // Not one of ours: someone else publishes on the channel.
    }
  }
}

/** The delivered message under its name, `delivered`, and its deprecated one, `message`: the same object. */
function hubReplyOf<Message>({ reply, message }: DeliveredReply): HubReply<Message> {
  return { reply, delivered: message as Message, message: message as Message };
}

function closedError(): Error {
  return new Error('RedisReplyHub closed');
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a finite number of milliseconds, at least 0`);
  return value;
}
