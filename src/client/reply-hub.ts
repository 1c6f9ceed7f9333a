import type { DeliveredReply, ReplyListener } from '../core/replies';

/** What `next` resolves with: the reply's cross-platform view (`reply.text`, `reply.id`...) and the typed message. */
export type HubReply = DeliveredReply;

export interface WaitOptions {
  signal?: AbortSignal | undefined;
  /** Give up after this long (rejects with a `TimeoutError`). Default: wait until aborted. */
  timeoutMs?: number | undefined;
}

/** What `client.ask` needs of a hub: to be listening, then to wait for a conversation's next reply. */
export interface ReplyWaiter {
  /** Resolves once the hub hears replies (at once in memory; once subscribed over Redis). */
  ready(): Promise<void>;
  next(conversationId: string, options?: WaitOptions): Promise<HubReply>;
}

interface Waiter {
  resolve(reply: HubReply): void;
  reject(reason: unknown): void;
}

/** How many recent message ids a hub remembers, so a duplicate publish never resolves a second waiter. */
const REMEMBERED_IDS = 10_000;

/**
 * Matches replies to the code waiting for them, in one process: pass it to the webhook (`replies: hub`) and to
 * `client.ask`. A reply resolves the first waiter on its conversation (first come, first served), and only a waiter
 * that was waiting when it arrived: a reply nobody waits for is not kept, and one that arrives after its waiter gave
 * up resolves nothing. Each message id resolves at most one waiter, even if published twice.
 */
export class ReplyHub implements ReplyWaiter, ReplyListener {
  private readonly waiting = new Map<string, Waiter[]>();
  private readonly seen = new Set<string>();

  ready(): Promise<void> {
    return Promise.resolve();
  }

  next(conversationId: string, { signal, timeoutMs }: WaitOptions = {}): Promise<HubReply> {
    return new Promise((resolve, reject) => {
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
      const waiter: Waiter = {
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
  publish(delivered: HubReply): void {
    const key = `${delivered.reply.platform}:${delivered.reply.id}`;
    if (this.seen.has(key)) return;
    this.remember(key);
    const queue = this.waiting.get(delivered.reply.conversationId);
    const first = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(delivered.reply.conversationId);
    first?.resolve(delivered);
  }

  /** How many are waiting, on every conversation. */
  get waiters(): number {
    let count = 0;
    for (const queue of this.waiting.values()) count += queue.length;
    return count;
  }

  private forget(conversationId: string, waiter: Waiter): void {
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

export interface RedisReplyHubOptions {
  /** Publishes one message on a channel: node-redis `(c, m) => client.publish(c, m)`, ioredis the same. */
  publish: (channel: string, message: string) => Promise<unknown>;
  /**
   * Subscribes `listener` to a channel, on a connection of its own (Redis reserves a subscribed connection):
   * node-redis `(c, l) => subscriber.subscribe(c, l)`, ioredis `(c, l) => { sub.on('message', (_, m) => l(m)); return sub.subscribe(c); }`.
   */
  subscribe: (channel: string, listener: (message: string) => void) => Promise<unknown>;
  /** Default `'maiagent-webhook:replies'`. */
  channel?: string | undefined;
}

/**
 * A `ReplyHub` across processes, over Redis pub/sub: the process that received the webhook publishes each reply,
 * and every process resolves its own waiters, so the one that sent the message gets the reply whichever process
 * the platform delivered it to. Client-agnostic, like `RedisStore`: it takes a publish and a subscribe function.
 * Pub/sub keeps nothing: a process not subscribed when a reply is published does not see it.
 */
export class RedisReplyHub implements ReplyWaiter, ReplyListener {
  private readonly local = new ReplyHub();
  private readonly channel: string;
  private subscribed: Promise<void> | undefined;

  constructor(private readonly options: RedisReplyHubOptions) {
    if (typeof options?.publish !== 'function' || typeof options.subscribe !== 'function') throw new TypeError('RedisReplyHub: publish and subscribe must be functions');
    this.channel = options.channel ?? 'maiagent-webhook:replies';
  }

  ready(): Promise<void> {
    this.subscribed ??= Promise.resolve(this.options.subscribe(this.channel, (message) => this.heard(message))).then(() => undefined);
    return this.subscribed;
  }

  next(conversationId: string, options?: WaitOptions): Promise<HubReply> {
    void this.ready().catch(() => {});
    return this.local.next(conversationId, options);
  }

  publish(delivered: HubReply): Promise<unknown> {
    return this.options.publish(this.channel, JSON.stringify(delivered));
  }

  private heard(message: string): void {
    try {
      const delivered = JSON.parse(message) as HubReply & { reply: { createdAt: string } };
      this.local.publish({ ...delivered, reply: { ...delivered.reply, createdAt: new Date(delivered.reply.createdAt) } });
    } catch {
      // Not one of ours: someone else publishes on the channel.
    }
  }
}
