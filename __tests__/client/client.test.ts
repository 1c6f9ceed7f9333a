// maiagent-webhook/client against a stand-in for MaiAgent's API on loopback.
import { inspect } from 'node:util';
import { createMaiAgentClient, MaiAgentApiError, ReplyHub } from 'maiagent-webhook/client';
import { API_KEY, startFakeMaiAgent, type FakeMaiAgent } from '../support/fake-maiagent';

let api: FakeMaiAgent;
beforeEach(async () => {
  api = await startFakeMaiAgent();
});
afterEach(() => api.close());

const clientFor = (extra: { timeoutMs?: number; apiKey?: string } = {}) => createMaiAgentClient({ apiKey: extra.apiKey ?? API_KEY, baseUrl: api.url, ...extra });

describe('createMaiAgentClient', () => {
  it('sends Authorization: Api-Key to the configured base URL, and keeps keys it does not know', async () => {
    const conversation = await clientFor().conversations.create({ webChat: 'webchat-1' });
    expect(api.requests).toEqual([{ method: 'POST', path: 'conversations/', authorization: `Api-Key ${API_KEY}`, body: { webChat: 'webchat-1' } }]);
    expect(conversation).toMatchObject({ id: expect.any(String), inbox: { channelType: 'web' }, isAutoReplyNow: false });
  });

  it('messages.create posts conversation, content and attachments, and is never retried', async () => {
    const client = clientFor();
    expect(await client.messages.create({ conversation: 'c1', content: 'hi' })).toMatchObject({ id: expect.any(String), conversation: 'c1', type: 'incoming' });
    expect(api.requests[0]?.body).toEqual({ conversation: 'c1', content: 'hi', attachments: [] });
    api.failNext.set('messages/', [502]);
    const failure = await client.messages.create({ conversation: 'c1', content: 'once only' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect(failure).toMatchObject({ status: 502, detail: 'fake failure 502' });
    expect(api.requests.filter((r) => r.path === 'messages/')).toHaveLength(2);
  });

  it('webhookRecords.list follows next across pages, and retries a read after a 5xx', async () => {
    api.webhookRecords = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, url: 'https://x', statusCode: 200, createdAt: String(1700000000000 + i), extra: i }));
    api.failNext.set('chatbots/bot-1/webhook-records/', [503]);
    const ids: string[] = [];
    for await (const record of clientFor().webhookRecords.list('bot-1')) ids.push(record.id);
    expect(ids).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(api.requests.map((r) => r.path)).toEqual([
      'chatbots/bot-1/webhook-records/',
      'chatbots/bot-1/webhook-records/',
      'chatbots/bot-1/webhook-records/?page=2',
      'chatbots/bot-1/webhook-records/?page=3',
    ]);
  });

  it('follows a cursor-style next too (no count, an opaque cursor)', async () => {
    api.cursorPages = true;
    api.webhookRecords = Array.from({ length: 3 }, (_, i) => ({ id: `r${i}`, url: 'https://x', statusCode: 200, createdAt: '1' }));
    const ids: string[] = [];
    for await (const record of clientFor().webhookRecords.list('bot-1')) ids.push(record.id);
    expect(ids).toEqual(['r0', 'r1', 'r2']);
    expect(api.requests[1]?.path).toMatch(/\?cursor=/);
  });

  it('chatbots.setWebhookUrl patches webhookUrl', async () => {
    expect(await clientFor().chatbots.setWebhookUrl('bot-1', 'https://example.com/hook?token=t')).toMatchObject({ webhookUrl: 'https://example.com/hook?token=t' });
    expect(api.requests[0]).toMatchObject({ method: 'PATCH', path: 'chatbots/bot-1/', body: { webhookUrl: 'https://example.com/hook?token=t' } });
  });

  it('completions.create answers the whole reply, conversationId whichever spelling came', async () => {
    expect(await clientFor().completions.create('bot-1', { content: '講個故事' })).toMatchObject({ conversationId: 'conv-sync', content: '從前有一隻小狗在玩球', done: true });
    expect(api.requests[0]?.body).toEqual({ conversation: null, message: { content: '講個故事' }, isStreaming: false });
  });

  it('completions.stream yields each event, reassembled across reads, and stops at done', async () => {
    const chunks = [];
    for await (const chunk of clientFor().completions.stream('bot-1', { conversation: 'conv-s', content: '繼續' })) chunks.push(chunk);
    expect(chunks).toEqual([
      { conversationId: 'conv-s', content: '從前有一隻', done: false },
      { conversationId: 'conv-s', content: '小狗在玩球', done: false },
      { conversationId: 'conv-s', content: '', done: true },
    ]);
  });

  it('errors carry the status and MaiAgent’s detail, never the API key', async () => {
    const failure = (await clientFor({ apiKey: 'wrong-key-987' }).conversations.create({ webChat: 'w' }).catch((e: unknown) => e)) as MaiAgentApiError;
    expect(failure).toMatchObject({ name: 'MaiAgentApiError', status: 401, detail: 'Authentication credentials were not provided.' });
    expect(`${failure.message} ${JSON.stringify(failure)} ${String(failure.stack)}`).not.toContain('wrong-key-987');
  });

  it('gives up after timeoutMs, and when the caller aborts', async () => {
    api.hang.add('messages/');
    const timedOut = (await clientFor({ timeoutMs: 50 }).messages.create({ conversation: 'c', content: 'x' }).catch((e: unknown) => e)) as MaiAgentApiError;
    expect(timedOut).toMatchObject({ name: 'MaiAgentApiError', status: undefined });
    expect(timedOut.message).toMatch(/no answer \(timed out\)/);
    const controller = new AbortController();
    const aborted = clientFor().messages.create({ conversation: 'c', content: 'x' }, { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('user gave up'));
    expect(await aborted).toBeInstanceOf(MaiAgentApiError);
  });

  it('refuses a missing API key at creation', () => {
    expect(() => createMaiAgentClient({ apiKey: '' })).toThrow(TypeError);
  });

  it.each([['newline', '\n'], ['carriage return', '\r'], ['NUL', '\0']])('refuses an API key holding a %s, naming the option, never the value', (_, character) => {
    const apiKey = `secret-key-55${character}tail`;
    let thrown: unknown;
    try {
      createMaiAgentClient({ apiKey });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/apiKey/);
    expect((thrown as Error).message).not.toContain('secret-key-55');
  });

  it('never copies a cause’s message (which can quote a header) into the error; the cause is kept, redacted', async () => {
    const quoting: typeof fetch = () => Promise.reject(new TypeError(`Headers.append: "Api-Key ${API_KEY}" is an invalid header value.`));
    const failure = (await createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url, fetch: quoting }).conversations.create({ webChat: 'w' }).catch((e: unknown) => e)) as MaiAgentApiError;
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect(failure.message).toBe('MaiAgent API POST /api/v1/conversations/: no answer (TypeError)');
    const cause = failure.cause as Error;
    expect(cause).toMatchObject({ name: 'TypeError' });
    expect(`${failure.message} ${String(failure.stack)} ${cause.message} ${String(cause.stack)} ${JSON.stringify(failure)}`).not.toContain(API_KEY);
  });
});

describe('numeric options are refused before anything is sent', () => {
  const OUT_OF_RANGE = [NaN, -1, 0, 1.5, Infinity, 2 ** 31];
  const thrownBy = (run: () => unknown): unknown => {
    try {
      run();
    } catch (error) {
      return error;
    }
    return 'nothing thrown';
  };
  const rangeSaid = (name: string, value: number) => new RegExp(`^${name}: timeoutMs must be a whole number of milliseconds from 1 to 2147483647 .*not ${String(value)}$`);

  it.each(OUT_OF_RANGE)('createMaiAgentClient refuses timeoutMs %p with a TypeError naming the option, the range and the value', (timeoutMs) => {
    const failure = thrownBy(() => createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url, timeoutMs }));
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toMatch(rangeSaid('createMaiAgentClient', timeoutMs));
  });

  it.each(OUT_OF_RANGE)('ask refuses timeoutMs %p with a TypeError, and sends nothing', async (timeoutMs) => {
    const failure = await clientFor().ask({ conversation: 'c', content: 'x' }, { replies: new ReplyHub(), timeoutMs }).then(() => 'no failure', (error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toMatch(rangeSaid('ask', timeoutMs));
    expect(api.requests).toHaveLength(0);
  });

  it.each(OUT_OF_RANGE)('a call refuses its own timeoutMs %p with a TypeError, and sends nothing', async (timeoutMs) => {
    const client = clientFor();
    await expect(client.chatbots.get('bot-1', { timeoutMs })).rejects.toThrow(rangeSaid('MaiAgent client', timeoutMs));
    await expect(client.messages.create({ conversation: 'c', content: 'x' }, { timeoutMs })).rejects.toThrow(TypeError);
    expect(api.requests).toHaveLength(0);
  });

  it.each([NaN, -1, 1.5, Infinity, 11])('createMaiAgentClient refuses retries %p with a TypeError naming the option and the range', (retries) => {
    const failure = thrownBy(() => createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url, retries }));
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toBe(`createMaiAgentClient: retries must be a whole number from 0 to 10, not ${String(retries)}`);
  });
});

describe('a baseUrl holding a username or password', () => {
  it.each([
    ['a username and password', 'http://alice-77:pa55-word-99@127.0.0.1:1/api/v1/'],
    ['a password alone', 'http://:pa55-word-99@127.0.0.1:1/api/v1/'],
    ['a username alone', 'http://alice-77@127.0.0.1:1/api/v1/'],
    ['credentials in a URL that does not parse', 'http://alice-77:pa55-word-99@bad host/api/v1/'],
  ])('is refused at creation with a TypeError that names neither (%s)', (_, baseUrl) => {
    let failure: unknown = 'nothing thrown';
    try {
      createMaiAgentClient({ apiKey: API_KEY, baseUrl });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as Error).message).toMatch(/^createMaiAgentClient: baseUrl /);
    expect(inspect(failure, { depth: 10 })).not.toMatch(/alice-77|pa55-word-99/);
  });
});

describe('the API key goes only to baseUrl', () => {
  const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, url: 'https://x', statusCode: 200, createdAt: '1' }));
  const listAll = async (chatbotId = 'bot-1') => {
    const ids: string[] = [];
    for await (const record of clientFor().webhookRecords.list(chatbotId)) ids.push(record.id);
    return ids;
  };

  it('refuses a next on another host with a MaiAgentApiError; nothing is sent there', async () => {
    const asked: string[] = [];
    const watched: typeof fetch = (input, init) => {
      asked.push(String(input));
      return fetch(input, init);
    };
    api.webhookRecords = records(3);
    api.rewriteNext = (next) => next && next.replace(/^http:\/\/[^/]+/, 'http://collector.example.invalid');
    const ids: string[] = [];
    const failure = await (async () => {
      for await (const record of createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url, fetch: watched, retries: 0 }).webhookRecords.list('bot-1')) ids.push(record.id);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(/next link \(host collector\.example\.invalid\) is not on baseUrl/);
    expect(ids).toEqual(['r0', 'r1']);
    expect(asked.filter((url) => !url.startsWith(api.url))).toEqual([]);
  });

  it('re-bases a next on the same host (another scheme or port, as behind a TLS proxy) onto baseUrl', async () => {
    api.webhookRecords = records(5);
    const { hostname } = new URL(api.url);
    let turn = 0;
    api.rewriteNext = (next) => next && next.replace(/^http:\/\/[^/]+/, (turn += 1) % 2 ? `https://${hostname}` : `http://${hostname}:1`);
    expect(await listAll()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(api.requests.map((r) => r.path)).toEqual(['chatbots/bot-1/webhook-records/', 'chatbots/bot-1/webhook-records/?page=2', 'chatbots/bot-1/webhook-records/?page=3']);
  });

  it('refuses a next outside baseUrl’s path', async () => {
    api.webhookRecords = records(3);
    api.rewriteNext = (next) => next && next.replace('/api/v1/chatbots/bot-1/webhook-records/', '/admin/export/');
    await expect(listAll()).rejects.toThrow(MaiAgentApiError);
    expect(api.requests).toHaveLength(1);
  });

  it('ends with an error when next repeats, instead of looping', async () => {
    api.webhookRecords = records(6);
    api.rewriteNext = (next) => next && next.replace(/page=\d+/, 'page=2');
    const failure = await listAll().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(/next link repeats/);
    expect(api.requests).toHaveLength(2);
  });

  it.each(['.', '..', 'a/b', ''])('refuses the id %p before any request', async (id) => {
    const client = clientFor();
    await expect(listAll(id)).rejects.toThrow(TypeError);
    await expect(client.chatbots.setWebhookUrl(id, null)).rejects.toThrow(TypeError);
    await expect(client.completions.create(id, { content: 'x' })).rejects.toThrow(TypeError);
    await expect(client.messages.create({ conversation: id, content: 'x' })).rejects.toThrow(TypeError);
    expect(api.requests).toHaveLength(0);
  });
});

describe('completions.stream lives as long as the answer', () => {
  it('a healthy stream longer than timeoutMs is read to its end: timeoutMs bounds the headers and each gap', async () => {
    // 10 events 60 ms apart: the answer takes longer than timeoutMs, each silence far less.
    api.streamEvents = 10;
    api.streamGapMs = 60;
    const chunks = [];
    for await (const chunk of clientFor({ timeoutMs: 400 }).completions.stream('bot-1', { content: 'a long story' })) chunks.push(chunk);
    expect(chunks).toHaveLength(10);
    expect(chunks.at(-1)).toMatchObject({ done: true });
  });

  it.each([
    ['stalls', 'stall', /no event within 200 ms/],
    ['drops the connection', 'reset', /stream broke/],
  ] as const)('a stream that %s mid-answer fails with a MaiAgentApiError, after the pieces that came', async (_, streamBreak, message) => {
    api.streamEvents = 5;
    api.streamBreak = streamBreak;
    const chunks: unknown[] = [];
    const failure = await (async () => {
      for await (const chunk of clientFor({ timeoutMs: 200 }).completions.stream('bot-1', { content: 'x' })) chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(message);
    expect(chunks).toHaveLength(1);
  });

  it('no response headers within timeoutMs is a MaiAgentApiError', async () => {
    api.hang.add('chatbots/bot-1/completions/');
    const failure = await (async () => {
      for await (const chunk of clientFor({ timeoutMs: 100 }).completions.stream('bot-1', { content: 'x' })) void chunk;
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(/no answer \(timed out\)/);
  });
});

describe('the whole-flow page’s client example, run as shown', () => {
  it('starts a conversation and sends one message; a failed send is said in one line without the key, and never sent twice', async () => {
    const fake = await startFakeMaiAgent();
    Object.assign(process.env, { MAIAGENT_API_KEY: API_KEY, MAIAGENT_API_BASE_URL: fake.url });
    const logged = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const { startConversation } = await import('../../examples/client-send');
      const started = await startConversation('web-chat-1', 'hello');
      const sent = fake.requests.filter((r) => r.path === 'messages/');
      expect(sent.map((r) => r.body)).toEqual([{ conversation: started.conversation, content: 'hello', attachments: [] }]);
      expect(started.sentMessageId).toEqual(expect.any(String));

      fake.failNext.set('messages/', [503]);
      await expect(startConversation('web-chat-1', 'hello again')).rejects.toMatchObject({ name: 'MaiAgentApiError', status: 503 });
      expect(fake.requests.filter((r) => r.path === 'messages/')).toHaveLength(2);
      expect(logged.mock.calls).toEqual([[expect.stringMatching(/^messages.create failed \(503\): /)]]);
      expect(JSON.stringify(logged.mock.calls)).not.toContain(API_KEY);
    } finally {
      logged.mockRestore();
      delete process.env.MAIAGENT_API_KEY;
      delete process.env.MAIAGENT_API_BASE_URL;
      await fake.close();
    }
  });
});
