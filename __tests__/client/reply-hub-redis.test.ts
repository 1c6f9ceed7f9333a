// RedisReplyHub under a real Redis that goes away and comes back: it recovers, it closes, the ioredis wiring the
// README shows listens once; and a hub resolves a waiter only with a reply created after the wait began.
import { expectTypeOf } from 'expect-type';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { createMaiAgentClient, RedisReplyHub, ReplyHub, type HubReply, type MaiAgentClient, type SentMessage } from 'maiagent-webhook/client';
import type { MaiAgentMessage } from 'maiagent-webhook';
import { API_KEY, startFakeMaiAgent } from '../support/fake-maiagent';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { MemoryStore } from 'maiagent-webhook';
import { TOKEN } from '../support/fixtures';
import { listenOnLoopback } from '../support/server';

const replyOf = (conversation: string, id: string, createdAt = new Date()): Parameters<ReplyHub['publish']>[0] => ({
  reply: { platform: 'maiagent', id, conversationId: conversation, text: `text of ${id}`, createdAt },
  message: { id } as MaiAgentMessage,
});

async function nodeRedis(url: string) {
  // No offline queue: a command sent while Redis is away fails at once, as a subscribe at the first ask would.
  const client = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 50 } });
  client.on('error', () => {});
  await client.connect();
  return client;
}

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 20));
    check();
  });
}

let redis: OwnRedis;
beforeEach(async () => {
  redis = await startOwnRedis();
});
afterEach(() => redis.dispose());

describe('RedisReplyHub recovers', () => {
  it('a subscribe that failed while Redis was away is tried again by the next wait', async () => {
    const [publisher, subscriber] = [await nodeRedis(redis.url), await nodeRedis(redis.url)];
    const hub = new RedisReplyHub({ publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l), unsubscribe: (c, l) => subscriber.unsubscribe(c, l) });
    try {
      await redis.stop();
      await until(() => !subscriber.isReady);
      await expect(hub.ready()).rejects.toThrow();
      await redis.start();
      await until(() => subscriber.isReady && publisher.isReady);
      await hub.ready();
      const waiting = hub.next('conv-back', { timeoutMs: 5000 });
      await hub.publish(replyOf('conv-back', 'after-the-outage'));
      expect((await waiting).reply.id).toBe('after-the-outage');
    } finally {
      await hub.close();
      subscriber.destroy();
      publisher.destroy();
    }
  }, 20_000);

  it('close() unsubscribes, and ends the waits still open', async () => {
    const [publisher, subscriber] = [await nodeRedis(redis.url), await nodeRedis(redis.url)];
    const channel = 'replies-close';
    const hub = new RedisReplyHub({ channel, publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l), unsubscribe: (c, l) => subscriber.unsubscribe(c, l) });
    const subscribers = async () => (await publisher.sendCommand(['PUBSUB', 'NUMSUB', channel]) as [string, number])[1];
    try {
      await hub.ready();
      expect(await subscribers()).toBe(1);
      const open = hub.next('c', { timeoutMs: 5000 }).catch((e: unknown) => e);
      await hub.close();
      expect(await open).toMatchObject({ message: 'RedisReplyHub closed' });
      expect(await subscribers()).toBe(0);
      await expect(hub.next('c')).rejects.toThrow('RedisReplyHub closed');
    } finally {
      subscriber.destroy();
      publisher.destroy();
    }
  });

  it('ask on a hub already closed rejects with RedisReplyHub closed, and sends nothing', async () => {
    const [publisher, subscriber] = [await nodeRedis(redis.url), await nodeRedis(redis.url)];
    const hub = new RedisReplyHub({ publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l), unsubscribe: (c, l) => subscriber.unsubscribe(c, l) });
    const api = await startFakeMaiAgent();
    try {
      await hub.ready();
      await hub.close();
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      await expect(client.ask({ conversation: 'c', content: 'x' }, { replies: hub, timeoutMs: 500 })).rejects.toThrow('RedisReplyHub closed');
      expect(api.requests).toHaveLength(0);
    } finally {
      await api.close();
      subscriber.destroy();
      publisher.destroy();
    }
  });

  it('close() while the subscribe waits for Redis (node-redis queues it) ends at once; the subscribe, once it lands, is undone', async () => {
    const channel = 'replies-close-while-away';
    const publisher = await nodeRedis(redis.url);
    // The README's wiring: node-redis as it comes, its offline queue on, so a subscribe waits for Redis to be back.
    const subscriber = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
    subscriber.on('error', () => {});
    await subscriber.connect();
    let undone = false;
    const unsubscribe = (c: string, l: (message: string) => void) => subscriber.unsubscribe(c, l).then(() => (undone = true));
    const hub = new RedisReplyHub({ channel, publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l), unsubscribe });
    const subscribers = async () => ((await publisher.sendCommand(['PUBSUB', 'NUMSUB', channel])) as [string, number])[1];
    try {
      await redis.stop();
      await until(() => !subscriber.isReady);
      const open = hub.next('c').catch((e: unknown) => e);
      const closed = await Promise.race([hub.close().then(() => 'closed'), new Promise((resolve) => setTimeout(resolve, 3000, 'still waiting'))]);
      expect(closed).toBe('closed');
      expect(await open).toMatchObject({ message: 'RedisReplyHub closed' });
      await redis.start();
      await until(() => undone && publisher.isReady);
      expect(await subscribers()).toBe(0);
    } finally {
      subscriber.destroy();
      publisher.destroy();
    }
  }, 20_000);

  it('ask whose hub never got ready (Redis away) times out saying nothing was sent, and sends nothing', async () => {
    const api = await startFakeMaiAgent();
    const publisher = await nodeRedis(redis.url);
    const subscriber = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
    subscriber.on('error', () => {});
    await subscriber.connect();
    const hub = new RedisReplyHub({ publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l), unsubscribe: (c, l) => subscriber.unsubscribe(c, l) });
    try {
      await redis.stop();
      await until(() => !subscriber.isReady);
      const failure = await createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url })
        .ask({ conversation: 'c', content: 'hi' }, { replies: hub, timeoutMs: 300 })
        .catch((e: unknown) => e);
      expect(failure).toMatchObject({ name: 'TimeoutError' });
      expect((failure as Error).message).toMatch(/reply hub was not ready: nothing was sent/);
      expect(api.requests).toEqual([]);
    } finally {
      await hub.close();
      subscriber.destroy();
      publisher.destroy();
      await api.close();
    }
  }, 20_000);

  it('the README’s ioredis wiring adds its message listener once, however many subscribes it took', async () => {
    const { ioredisReplyHub } = await import('../../examples/reply-hub-ioredis');
    const options = { enableOfflineQueue: false, retryStrategy: () => 50, maxRetriesPerRequest: 0 };
    const publisher = new Redis(redis.url, options);
    const subscriber = new Redis(redis.url, options);
    for (const client of [publisher, subscriber]) client.on('error', () => {});
    const hub = ioredisReplyHub(publisher, subscriber);
    try {
      await until(() => subscriber.status === 'ready' && publisher.status === 'ready');
      await redis.stop();
      await until(() => subscriber.status !== 'ready');
      await expect(hub.ready()).rejects.toThrow();
      await redis.start();
      await until(() => subscriber.status === 'ready' && publisher.status === 'ready');
      await hub.ready();
      await hub.ready();
      expect(subscriber.listenerCount('message')).toBe(1);
      const first = hub.next('conv-io', { timeoutMs: 5000 });
      const second = hub.next('conv-io', { timeoutMs: 5000 });
      await hub.publish(replyOf('conv-io', 'one'));
      await hub.publish(replyOf('conv-io', 'two'));
      expect([(await first).reply.id, (await second).reply.id]).toEqual(['one', 'two']);
    } finally {
      await hub.close();
      publisher.disconnect();
      subscriber.disconnect();
    }
  }, 20_000);

  it('the page’s connectReplyHub(url): two connections, a reply the webhook publishes resolves ask, close() ends both', async () => {
    const { connectReplyHub } = await import('../../examples/reply-hub-ioredis');
    const api = await startFakeMaiAgent({ replyDelayMs: 10 });
    const observer = await nodeRedis(redis.url);
    const { hub, close } = connectReplyHub(redis.url);
    const receiver = await listenOnLoopback(maiagentWebhook({ authToken: TOKEN, replies: hub, onMessage: () => {}, store: new MemoryStore() }));
    const others = async () => (await observer.sendCommand<string>(['CLIENT', 'LIST'])).trim().split('\n').length - 1;
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      await client.chatbots.setWebhookUrl('bot-1', `${receiver.url}/maiagent/webhook?token=${TOKEN}`);
      const { delivered } = await client.ask({ conversation: 'conv-env', content: 'over ioredis' }, { replies: hub, timeoutMs: 10_000 });
      expect(delivered).toMatchObject({ conversation: 'conv-env', content: 'echo: over ioredis' });
      expect(await others()).toBe(2);
      await close();
      for (let polls = 0; (await others()) > 0 && polls < 100; polls += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await others()).toBe(0);
    } finally {
      await receiver.close();
      await api.close();
      observer.destroy();
    }
  }, 20_000);

  it('hands the typed message, not unknown, as delivered (message its deprecated alias); ask resolves the same', () => {
    expectTypeOf<HubReply['delivered']>().toEqualTypeOf<MaiAgentMessage>();
    expectTypeOf<HubReply['message']>().toEqualTypeOf<MaiAgentMessage>();
    expectTypeOf<Awaited<ReturnType<RedisReplyHub['next']>>['delivered']>().toEqualTypeOf<MaiAgentMessage>();
    expectTypeOf<Awaited<ReturnType<MaiAgentClient['ask']>>>().toEqualTypeOf<HubReply<MaiAgentMessage>>();
    expectTypeOf<Awaited<ReturnType<MaiAgentClient['messages']['create']>>>().toEqualTypeOf<SentMessage>();
    expect(new ReplyHub().waiters).toBe(0);
  });
});

describe('a hub resolves a waiter only with a reply created after the wait began', () => {
  it('a two-day-old reply (a replay) resolves no one; a fresh one, within the clock-skew allowance, does', async () => {
    const hub = new ReplyHub();
    const waiting = hub.next('conv-old', { timeoutMs: 5000 });
    hub.publish(replyOf('conv-old', 'two-days-old', new Date(Date.now() - 2 * 24 * 3600_000)));
    expect(hub.waiters).toBe(1);
    hub.publish(replyOf('conv-old', 'skewed', new Date(Date.now() - 10_000)));
    expect((await waiting).reply.id).toBe('skewed');
  });

  it('over Redis too', async () => {
    const [publisher, subscriber] = [await nodeRedis(redis.url), await nodeRedis(redis.url)];
    const hub = new RedisReplyHub({ publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l), clockSkewMs: 1000 });
    try {
      await hub.ready();
      const waiting = hub.next('conv-r', { timeoutMs: 5000 });
      await hub.publish(replyOf('conv-r', 'old', new Date(Date.now() - 60_000)));
      await hub.publish(replyOf('conv-r', 'new'));
      expect((await waiting).reply.id).toBe('new');
    } finally {
      subscriber.destroy();
      publisher.destroy();
    }
  });
});
