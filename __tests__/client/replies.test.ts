// Awaiting a reply: the hub's rules, the receiver feeding it, client.ask's race, across processes over Redis, and
// recovering missed deliveries.
import { createClient } from 'redis';
import { maiagentWebhook, type MaiAgentMessage } from 'maiagent-webhook/node';
import { createMaiAgentClient, DEFAULT_ASK_TIMEOUT_MS, RedisReplyHub, reconcile, ReplyHub } from 'maiagent-webhook/client';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { MemoryStore } from 'maiagent-webhook';
import { API_KEY, startFakeMaiAgent } from '../support/fake-maiagent';
import { TOKEN } from '../support/fixtures';
import { connectTestRedis } from '../support/redis';
import { listenOnLoopback } from '../support/server';
import { section } from '../support/docs';

/** What the receiver publishes to a hub: the reply's view and the message it delivered. */
const replyOf = (conversation: string, id = `msg-${Math.random()}`): Parameters<ReplyHub['publish']>[0] => ({
  reply: { platform: 'maiagent', id, conversationId: conversation, text: `text of ${id}`, createdAt: new Date() },
  message: { id } as MaiAgentMessage,
});

describe('ReplyHub', () => {
  it('several waiters on one conversation: first come, first served', async () => {
    const hub = new ReplyHub();
    const first = hub.next('c');
    const second = hub.next('c');
    hub.publish(replyOf('c', 'r1'));
    hub.publish(replyOf('c', 'r2'));
    expect([(await first).reply.id, (await second).reply.id]).toEqual(['r1', 'r2']);
  });

  it('a reply nobody waits for is not kept: a later waiter gets the next reply, not that one', async () => {
    const hub = new ReplyHub();
    hub.publish(replyOf('c', 'early'));
    const waiting = hub.next('c');
    hub.publish(replyOf('c', 'later'));
    expect((await waiting).reply.id).toBe('later');
  });

  it('a reply arriving after its waiter gave up resolves nothing; the waiter heard why it ended', async () => {
    const hub = new ReplyHub();
    const controller = new AbortController();
    const abandoned = hub.next('c', { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(abandoned).rejects.toThrow('user left');
    const timedOut = hub.next('c', { timeoutMs: 10 });
    await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
    hub.publish(replyOf('c', 'late'));
    expect(hub.waiters).toBe(0);
  });

  it('a waiter that gave up leaves no timer behind', () => {
    jest.useFakeTimers();
    try {
      const hub = new ReplyHub();
      const controller = new AbortController();
      hub.next('c', { signal: controller.signal, timeoutMs: 120_000 }).catch(() => {});
      expect(jest.getTimerCount()).toBe(1);
      controller.abort(new Error('gave up'));
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it.each([NaN, -1, 0, 1.5, Infinity, 2 ** 31])('refuses a wait whose timeoutMs is %p with a TypeError naming the option, instead of timing out at once', async (timeoutMs) => {
    const hub = new ReplyHub();
    await expect(hub.next('c', { timeoutMs })).rejects.toThrow(`hub.next: timeoutMs must be a whole number of milliseconds from 1 to 2147483647 (the longest a timer waits), not ${String(timeoutMs)}`);
    expect(hub.waiters).toBe(0);
  });

  it('a duplicate never resolves a second waiter', async () => {
    const hub = new ReplyHub();
    const first = hub.next('c');
    const second = hub.next('c', { timeoutMs: 50 });
    hub.publish(replyOf('c', 'same'));
    hub.publish(replyOf('c', 'same'));
    expect((await first).reply.id).toBe('same');
    await expect(second).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});

describe('the receiver feeds the hub; client.ask', () => {
  it('every reply still reaches onMessage; the hub is fed once per message id, after the delivery succeeded', async () => {
    const hub = new ReplyHub();
    const seen: string[] = [];
    let fail = true;
    const webhook = maiagentWebhook({ authToken: TOKEN, replies: hub, onMessage: (m) => {
      seen.push(m.id);
      if (fail) throw new Error('downstream');
    } });
    const delivery = buildMaiAgentDelivery({ conversation: 'conv-feed', created_at: String(Date.now()) });
    const waiting = hub.next('conv-feed', { timeoutMs: 2000 });
    expect((await sendDelivery(webhook, { token: TOKEN, body: delivery })).status).toBe(500);
    expect(hub.waiters).toBe(1); // a failed delivery feeds nothing
    fail = false;
    expect((await sendDelivery(webhook, { token: TOKEN, body: delivery })).status).toBe(200);
    expect((await waiting).reply).toMatchObject({ id: delivery.id, conversationId: 'conv-feed', text: delivery.content });
    const again = hub.next('conv-feed', { timeoutMs: 50 });
    expect((await sendDelivery(webhook, { token: TOKEN, body: delivery })).status).toBe(200); // a duplicate
    await expect(again).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(seen).toEqual([delivery.id, delivery.id]);
  });

  it('ask: the reply that beats the receipt (delivered before messages.create answers) is not lost', async () => {
    const api = await startFakeMaiAgent();
    const hub = new ReplyHub();
    const inbox: MaiAgentMessage[] = [];
    const receiver = await listenOnLoopback(maiagentWebhook({ authToken: TOKEN, replies: hub, onMessage: (m) => void inbox.push(m) }));
    api.beforeMessageAnswer = async ({ conversation, content }) => {
      await sendDelivery(`${receiver.url}/maiagent/webhook`, { token: TOKEN, body: buildMaiAgentDelivery({ conversation, content: `reply to: ${content}`, created_at: String(Date.now()) }) });
    };
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      const answer = await client.ask({ conversation: 'conv-ask', content: 'hello?' }, { replies: hub, timeoutMs: 5000 });
      expect(answer.reply).toMatchObject({ conversationId: 'conv-ask', text: 'reply to: hello?' });
      expect(inbox.map((m) => m.content)).toEqual(['reply to: hello?']);
    } finally {
      await receiver.close();
      await api.close();
    }
  });

  it('ask resolves { reply, delivered }: delivered is the message the webhook delivered, not the receipt of messages.create; message is its deprecated alias', async () => {
    const api = await startFakeMaiAgent({ replyDelayMs: 10 });
    const hub = new ReplyHub();
    const receiver = await listenOnLoopback(maiagentWebhook({ authToken: TOKEN, replies: hub, onMessage: () => {} }));
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      await client.chatbots.setWebhookUrl('bot-1', `${receiver.url}/maiagent/webhook?token=${TOKEN}`);
      const answer = await client.ask({ conversation: 'conv-named', content: 'which one?' }, { replies: hub, timeoutMs: 5000 });
      await api.settled();
      const deliveredIds = api.webhookRecords.map((record) => (record.requestBody as { id: string }).id);
      expect(answer.delivered).toMatchObject({ conversation: 'conv-named', content: 'echo: which one?', type: 'outgoing' });
      expect(deliveredIds).toEqual([answer.delivered.id]);
      expect(answer.reply.id).toBe(answer.delivered.id);
      expect(answer.message).toBe(answer.delivered);
    } finally {
      await receiver.close();
      await api.close();
    }
  });

  it('ask without timeoutMs gives up after DEFAULT_ASK_TIMEOUT_MS (2 minutes), not before', async () => {
    jest.useFakeTimers();
    try {
      const neverReady = { ready: () => new Promise<void>(() => {}), next: () => new Promise<never>(() => {}) };
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: 'http://127.0.0.1:9/', fetch: () => new Promise<never>(() => {}) });
      let failure: unknown;
      const asking = client.ask({ conversation: 'c', content: 'x' }, { replies: neverReady }).catch((error: unknown) => (failure = error));
      await jest.advanceTimersByTimeAsync(DEFAULT_ASK_TIMEOUT_MS - 1);
      expect(failure).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await asking;
      expect(DEFAULT_ASK_TIMEOUT_MS).toBe(120_000);
      expect(failure).toMatchObject({ name: 'TimeoutError', message: 'ask: timed out after 120000 ms waiting for the reply (the reply hub was not ready: nothing was sent)' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('the whole-flow page states ask’s default timeout and what it resolves as the code has them', () => {
    const page = section('Send a message, await its reply');
    expect(page).toContain(`\`timeoutMs\` defaults to ${DEFAULT_ASK_TIMEOUT_MS} (${DEFAULT_ASK_TIMEOUT_MS / 60_000} minutes`);
    expect(page).toContain('**What it resolves: `{ reply, delivered }`**');
  });

  it('ask on a ReplyHub already closed rejects with ReplyHub closed, and sends nothing', async () => {
    const api = await startFakeMaiAgent();
    const hub = new ReplyHub();
    hub.close();
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      await expect(client.ask({ conversation: 'c', content: 'x' }, { replies: hub, timeoutMs: 500 })).rejects.toThrow('ReplyHub closed');
      await expect(hub.next('c')).rejects.toThrow('ReplyHub closed');
      expect({ sent: api.requests.length, waiters: hub.waiters }).toEqual({ sent: 0, waiters: 0 });
    } finally {
      await api.close();
    }
  });

  it('ask: a send that fails stops the wait and says why', async () => {
    const api = await startFakeMaiAgent();
    api.failNext.set('messages/', [500]);
    const hub = new ReplyHub();
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      await expect(client.ask({ conversation: 'c', content: 'x' }, { replies: hub })).rejects.toMatchObject({ name: 'MaiAgentApiError', status: 500 });
      expect(hub.waiters).toBe(0);
    } finally {
      await api.close();
    }
  });
});

describe('RedisReplyHub', () => {
  it('the process that sent the message gets the reply whichever process received the webhook', async () => {
    const redis = await connectTestRedis();
    const clients = await Promise.all([0, 1, 2, 3].map(async () => {
      const client = createClient({ url: redis.url });
      await client.connect();
      return client;
    }));
    const [publisherA, subscriberA, publisherB, subscriberB] = clients as [ReturnType<typeof createClient>, ReturnType<typeof createClient>, ReturnType<typeof createClient>, ReturnType<typeof createClient>];
    const channel = `${redis.prefix}replies`;
    // Two "processes": A receives the webhook, B sent the message and waits.
    const hubA = new RedisReplyHub({ channel, publish: (c, m) => publisherA.publish(c, m), subscribe: (c, l) => subscriberA.subscribe(c, l) });
    const hubB = new RedisReplyHub({ channel, publish: (c, m) => publisherB.publish(c, m), subscribe: (c, l) => subscriberB.subscribe(c, l) });
    try {
      await Promise.all([hubA.ready(), hubB.ready()]);
      const waitingInB = hubB.next('conv-x', { timeoutMs: 5000 });
      const webhookInA = maiagentWebhook({ authToken: TOKEN, replies: hubA, onMessage: () => {}, store: new MemoryStore() });
      const delivery = buildMaiAgentDelivery({ conversation: 'conv-x', created_at: String(Date.now()) });
      expect((await sendDelivery(webhookInA, { token: TOKEN, body: delivery })).status).toBe(200);
      const { reply } = await waitingInB;
      expect(reply).toMatchObject({ id: delivery.id, conversationId: 'conv-x', platform: 'maiagent' });
      expect(reply.createdAt).toBeInstanceOf(Date);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
      await redis.close();
    }
  });
});

describe('the whole flow of the platform’s diagram', () => {
  it('create a conversation, ask; the fake MaiAgent’s webhook reaches another process; the reply resolves here, over Redis', async () => {
    const { forkReceiver } = await import('../support/receiver-process');
    const redis = await connectTestRedis();
    const api = await startFakeMaiAgent();
    const channel = `${redis.prefix}flow`;
    const receiver = await forkReceiver('hub-receiver.js', [redis.url, channel], { WEBHOOK_TOKEN: TOKEN });
    const [publisher, subscriber] = await Promise.all([0, 1].map(async () => {
      const c = createClient({ url: redis.url });
      await c.connect();
      return c;
    })) as [ReturnType<typeof createClient>, ReturnType<typeof createClient>];
    const here = new RedisReplyHub({ channel, publish: (c, m) => publisher.publish(c, m), subscribe: (c, l) => subscriber.subscribe(c, l) });
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      await client.chatbots.setWebhookUrl('bot-1', `http://127.0.0.1:${receiver.port}/maiagent/webhook?token=${TOKEN}`);
      const conversation = await client.conversations.create({ webChat: 'web-chat-1' });
      const { reply } = await client.ask({ conversation: conversation.id, content: 'hello over there' }, { replies: here, timeoutMs: 10_000 });
      expect(reply).toMatchObject({ platform: 'maiagent', conversationId: conversation.id, text: 'echo: hello over there' });
      await api.settled();
      expect(api.webhookRecords.map((r) => r.statusCode)).toEqual([200]);
    } finally {
      receiver.child.send('exit');
      await receiver.exited;
      await Promise.all([publisher.quit(), subscriber.quit()]);
      await api.close();
      await redis.close();
    }
  });
});

describe('reconcile', () => {
  it('replays each message id not answered 200 once, skips what was delivered since, counts each; a second run replays nothing', async () => {
    const api = await startFakeMaiAgent();
    const delivered = buildMaiAgentDelivery();
    const missed = buildMaiAgentDelivery({ content: 'missed reply' });
    const deliveredLater = buildMaiAgentDelivery();
    const ago = (ms: number) => String(Date.now() - ms);
    const since = Date.now() - 600_000;
    api.webhookRecords = [
      { id: 'r1', url: 'https://x', statusCode: 200, createdAt: ago(5000), requestBody: delivered },
      { id: 'r2', url: 'https://x', statusCode: 500, createdAt: ago(4000), requestBody: missed },
      { id: 'r3', url: 'https://x', statusCode: null, createdAt: ago(3000), requestBody: missed },
      { id: 'r4', url: 'https://x', statusCode: 503, createdAt: ago(2000), requestBody: deliveredLater },
      { id: 'r5', url: 'https://x', statusCode: 422, createdAt: ago(1000), requestBody: { not: 'a delivery' } },
      { id: 'r6', url: 'https://x', statusCode: 500, createdAt: ago(1_200_000), requestBody: buildMaiAgentDelivery() },
    ];
    const store = new MemoryStore();
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store, onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    // deliveredLater reached the receiver on a later retry: the store knows it.
    await sendDelivery(maiagentWebhook(webhook), { token: TOKEN, body: deliveredLater });
    ran.length = 0;
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      const first = await reconcile({ client, chatbotId: 'bot-1', webhook, since: new Date(since) });
      expect(first).toEqual({ replayed: 1, alreadyDelivered: 1, invalid: 1, failed: 0, answered: 1, expired: 0, future: 0 });
      expect(ran).toEqual([missed.id]);
      const second = await reconcile({ client, chatbotId: 'bot-1', webhook, since });
      expect(second).toEqual({ replayed: 0, alreadyDelivered: 2, invalid: 1, failed: 0, answered: 1, expired: 0, future: 0 });
      expect(ran).toEqual([missed.id]);
    } finally {
      await api.close();
    }
  });
});

describe('reconcile reads a record’s time as the receiver reads timestamps', () => {
  it('skips a record before since whose createdAt is ISO 8601 or epoch seconds, and replays one after it', async () => {
    const api = await startFakeMaiAgent();
    const now = Date.now();
    const before = [buildMaiAgentDelivery({ created_at: String(now) }), buildMaiAgentDelivery({ created_at: String(now) })];
    const after = buildMaiAgentDelivery({ created_at: String(now) });
    api.webhookRecords = [
      { id: 'r1', url: 'https://x', statusCode: 500, createdAt: new Date(now - 120_000).toISOString(), requestBody: before[0] },
      { id: 'r2', url: 'https://x', statusCode: 500, createdAt: String(Math.floor((now - 120_000) / 1000)), requestBody: before[1] },
      { id: 'r3', url: 'https://x', statusCode: 500, createdAt: new Date(now - 1000).toISOString(), requestBody: after },
    ];
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    try {
      const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
      const report = await reconcile({ client, chatbotId: 'bot-1', webhook, since: now - 60_000 });
      expect(ran).toEqual([after.id]);
      expect(report).toEqual({ replayed: 1, alreadyDelivered: 0, invalid: 0, failed: 0, answered: 0, expired: 0, future: 0 });
    } finally {
      await api.close();
    }
  });
});

describe('the README’s client example, run as shown', () => {
  it('POST /chat/:conversation answers with the assistant’s reply, delivered to the same app’s webhook', async () => {
    const api = await startFakeMaiAgent();
    Object.assign(process.env, { MAIAGENT_API_KEY: API_KEY, MAIAGENT_API_BASE_URL: api.url, MAIAGENT_WEBHOOK_TOKEN: TOKEN });
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    const { app } = await import('../../examples/client-ask');
    const server = await listenOnLoopback(app);
    api.beforeMessageAnswer = async ({ conversation, content }) => {
      await sendDelivery(`${server.url}/maiagent/webhook`, { token: TOKEN, body: buildMaiAgentDelivery({ conversation, content: `echo: ${content}`, created_at: String(Date.now()) }) });
    };
    try {
      const response = await fetch(`${server.url}/chat/conv-readme`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'hi' }) });
      expect(await response.json()).toEqual({ text: 'echo: hi' });
      expect(log.mock.calls.map(([line]) => line)).toContain('[conv-readme] echo: hi');
    } finally {
      log.mockRestore();
      await server.close();
      await api.close();
      delete process.env.MAIAGENT_API_KEY;
      delete process.env.MAIAGENT_API_BASE_URL;
      delete process.env.MAIAGENT_WEBHOOK_TOKEN;
    }
  });
});
