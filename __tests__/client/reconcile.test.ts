// reconcile never runs a delivered reply twice: MaiAgent's one record per attempt, the receiver's own store, a
// schedule that outlives the store's memory, and the reply hub.
import { MemoryStore, type MaiAgentMessage } from 'maiagent-webhook';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { RedisStore } from 'maiagent-webhook/redis';
import { createMaiAgentClient, reconcile, ReplyHub } from 'maiagent-webhook/client';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { API_KEY, startFakeMaiAgent, type FakeMaiAgent } from '../support/fake-maiagent';
import { TOKEN } from '../support/fixtures';
import { connectTestRedis } from '../support/redis';

let api: FakeMaiAgent;
beforeEach(async () => {
  api = await startFakeMaiAgent();
});
afterEach(() => api.close());

const client = () => createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url });
/** A record of one delivery attempt, `ageMs` ago. */
const attempt = (id: string, statusCode: number | null, requestBody: unknown, ageMs = 1000) => ({ id, url: 'https://receiver.example/hook?token=x', statusCode, createdAt: String(Date.now() - ageMs), requestBody });
const fresh = (fields: Record<string, unknown> = {}) => buildMaiAgentDelivery({ created_at: String(Date.now() - 1000), ...fields });

describe('reconcile', () => {
  it('groups the records by message id: an id with any 200 is never replayed, several failed attempts replay once', async () => {
    const answeredLate = fresh();
    const failedThrice = fresh();
    api.webhookRecords = [
      attempt('a1', 500, answeredLate, 3000),
      attempt('b1', 500, failedThrice, 3000),
      attempt('a2', 200, answeredLate, 2000),
      attempt('b2', null, failedThrice, 2000),
      attempt('b3', 503, failedThrice, 1000),
      attempt('c1', 422, { not: 'a delivery' }),
    ];
    const ran: string[] = [];
    // A store that does not know what the receiver delivered (another process's memory, say): the records decide.
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    const report = await reconcile({ client: client(), chatbotId: 'bot-1', webhook });
    expect(ran).toEqual([failedThrice.id]);
    expect(report).toEqual({ replayed: 1, alreadyDelivered: 0, invalid: 1, failed: 0, answered: 1, expired: 0, future: 0 });
  });

  it('counts a record that is not an object (null, a number, a string) as invalid, and replays the others', async () => {
    const missed = fresh();
    api.webhookRecords = [null, 7, 'a record', attempt('r1', 500, missed)] as unknown as typeof api.webhookRecords;
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    expect(await reconcile({ client: client(), chatbotId: 'bot-1', webhook })).toEqual({ replayed: 1, alreadyDelivered: 0, invalid: 3, failed: 0, answered: 0, expired: 0, future: 0 });
    expect(ran).toEqual([missed.id]);
  });

  it('groups a numeric message id as its decimal string, as the receiver does, whatever the record ids (null included)', async () => {
    const [first, second, answered] = [fresh({ id: 41 }), fresh({ id: 42 }), fresh({ id: 43 })];
    api.webhookRecords = [attempt(null as unknown as string, 500, first), attempt(null as unknown as string, 500, second), attempt('r3', 500, answered), attempt('r4', 200, { ...answered, id: '43' })];
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    expect(await reconcile({ client: client(), chatbotId: 'bot-1', webhook })).toEqual({ replayed: 2, alreadyDelivered: 0, invalid: 0, failed: 0, answered: 1, expired: 0, future: 0 });
    expect(ran.sort()).toEqual(['41', '42']);
  });

  it.each([new Date('not a date'), NaN, Infinity])('refuses since %p with a TypeError before any request, rather than replaying every record', async (since) => {
    api.webhookRecords = [attempt('r1', 500, fresh())];
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    await expect(reconcile({ client: client(), chatbotId: 'bot-1', webhook, since })).rejects.toThrow(`reconcile: since must be a Date or epoch milliseconds, not ${String(since)}`);
    expect({ requests: api.requests.length, ran }).toEqual({ requests: 0, ran: [] });
  });

  it('reads at most maxPages pages of records: past them the run ends with a MaiAgentApiError, nothing replayed', async () => {
    api.webhookRecords = [1, 2, 3, 4, 5, 6].map((n) => attempt(`r${n}`, 500, fresh()));
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    // The fake serves two records a page: three pages hold them all.
    await expect(reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxPages: 2 })).rejects.toThrow(/more than 2 pages/);
    expect(ran).toEqual([]);
    expect((await reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxPages: 3 })).replayed).toBe(6);
  });

  it('refuses receiver options without an explicit store (the Quick start’s), instead of running a delivered reply again', async () => {
    const delivered = fresh();
    const ran: string[] = [];
    const quickStart = { authToken: TOKEN, onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    // The receiver answered 200, but MaiAgent's attempt timed out before reading it: the record has no status.
    expect((await sendDelivery(maiagentWebhook(quickStart), { token: TOKEN, body: delivered })).status).toBe(200);
    api.webhookRecords = [attempt('r1', null, delivered)];
    await expect(reconcile({ client: client(), chatbotId: 'bot-1', webhook: quickStart })).rejects.toThrow(/reconcile: webhook\.store must be the receiver's own store/);
    await expect(reconcile({ client: client(), chatbotId: 'bot-1', webhook: { ...quickStart, store: false } })).rejects.toThrow(TypeError);
    expect(ran).toEqual([delivered.id]);
  });

  it('a scheduled run after the store’s ttlMs does not replay what an earlier run replayed (a real Redis forgets)', async () => {
    const redis = await connectTestRedis();
    try {
      const missed = fresh();
      api.webhookRecords = [attempt('r1', 500, missed, 100)];
      const ran: string[] = [];
      const store = new RedisStore({ sendCommand: (args) => redis.sendCommand(args), prefix: redis.prefix, ttlMs: 1000 });
      const webhook = { authToken: TOKEN, store, onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
      const run = () => reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxAgeMs: 800 });
      expect(await run()).toMatchObject({ replayed: 1, expired: 0 });
      expect(await run()).toMatchObject({ replayed: 0, alreadyDelivered: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1200)); // the store's ttlMs has passed: Redis forgot the id
      expect(await redis.sendCommand(['EXISTS', `${redis.prefix}maiagent:${missed.id}`])).toBe(0);
      expect(await run()).toMatchObject({ replayed: 0, alreadyDelivered: 0, expired: 1 });
      expect(ran).toEqual([missed.id]);
    } finally {
      await redis.close();
    }
  });

  it('a message whose first attempt is dated ahead of this clock is left for a later run, so no run after the store’s ttlMs replays it again', async () => {
    const redis = await connectTestRedis();
    try {
      // MaiAgent's clock ahead of ours, or a record someone else wrote: its age reads negative for a while.
      const ahead = fresh({ created_at: String(Date.now() + 5000) });
      api.webhookRecords = [attempt('r1', 500, ahead, -5000)];
      const ran: string[] = [];
      const store = new RedisStore({ sendCommand: (args) => redis.sendCommand(args), prefix: redis.prefix, ttlMs: 1000 });
      const webhook = { authToken: TOKEN, store, onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
      const run = () => reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxAgeMs: 800 });
      expect(await run()).toMatchObject({ replayed: 0, future: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1200)); // longer than the store's ttlMs
      expect(await run()).toMatchObject({ replayed: 0, future: 1 });
      expect(ran).toEqual([]);
    } finally {
      await redis.close();
    }
  });

  it('replays with any token the receiver accepts, one no header could carry included (the receiver takes it in its URL)', async () => {
    const token = `${TOKEN}\nsecond-line`;
    const missed = fresh();
    const ran: string[] = [];
    const webhook = { authToken: token, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    const receiver = maiagentWebhook(webhook);
    expect((await sendDelivery(receiver, { path: `/?token=${encodeURIComponent(token)}`, body: fresh() })).status).toBe(200);
    api.webhookRecords = [attempt('r1', 500, missed)];
    expect(await reconcile({ client: client(), chatbotId: 'bot-1', webhook })).toMatchObject({ replayed: 1, failed: 0 });
    expect(ran).toHaveLength(2);
    expect(ran[1]).toBe(missed.id);
  });

  it('refuses a maxAgeMs that outlives the store’s ttlMs, and asks for one when the store does not say its ttl', async () => {
    const webhook = { authToken: TOKEN, store: new MemoryStore({ ttlMs: 60_000 }), onMessage: () => {} };
    await expect(reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxAgeMs: 60_000 })).rejects.toThrow(/maxAgeMs must be less than the store's ttlMs/);
    const custom = { claim: () => 'claimed' as const, complete: () => {}, release: () => {} };
    await expect(reconcile({ client: client(), chatbotId: 'bot-1', webhook: { ...webhook, store: custom } })).rejects.toThrow(/maxAgeMs/);
    expect(api.requests).toHaveLength(0);
  });

  it('a replayed reply reaches onMessage but resolves no reply-hub wait that began after it was created', async () => {
    const twoDaysAgo = 2 * 24 * 3600_000;
    const old = buildMaiAgentDelivery({ conversation: 'conv-now', created_at: String(Date.now() - twoDaysAgo) });
    api.webhookRecords = [attempt('r1', 500, old, twoDaysAgo)];
    const hub = new ReplyHub();
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore({ ttlMs: 3 * 24 * 3600_000 }), replies: hub, onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    const newQuestion = hub.next('conv-now', { timeoutMs: 300 });
    expect(await reconcile({ client: client(), chatbotId: 'bot-1', webhook })).toMatchObject({ replayed: 1 });
    expect(ran).toEqual([old.id]);
    await expect(newQuestion).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
