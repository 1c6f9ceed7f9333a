// The client against answers a stand-in for MaiAgent on loopback writes to hurt it: a body that stalls after the
// headers, an error that echoes the API key. Every failure is a MaiAgentApiError within timeoutMs, without the key.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { MemoryStore, type MaiAgentMessage } from 'maiagent-webhook';
import { createMaiAgentClient, MaiAgentApiError, reconcile } from 'maiagent-webhook/client';
import { buildMaiAgentDelivery } from 'maiagent-webhook/testing';
import { TOKEN } from '../support/fixtures';

const KEY = 'hostile-test-api-key-4242';
let server: Server;
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let baseUrl: string;

beforeEach(async () => {
  server = createServer((req, res) => answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = () => createMaiAgentClient({ apiKey: KEY, baseUrl, timeoutMs: 200, retries: 0 });
/** The headers, then the start of a body that never ends. */
const stallAfterHeaders = (status: number) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.write('{"detail":');
};
/** The test's own bound: a call that never settles fails here rather than holding the suite. */
const settled = <T>(promise: Promise<T>): Promise<T | 'never settled'> =>
  Promise.race([promise, new Promise<'never settled'>((resolve) => setTimeout(() => resolve('never settled'), 5_000).unref())]);
const failureOf = async (run: () => Promise<unknown>) => settled(run().then(() => 'no failure', (error: unknown) => error));
const drain = async (iterable: AsyncIterable<unknown>) => {
  for await (const item of iterable) void item;
};

describe('an answer whose body stalls after the headers', () => {
  it.each([200, 500])('a read answered %i is a MaiAgentApiError within timeoutMs', async (status) => {
    answer = stallAfterHeaders(status);
    const failure = await failureOf(() => client().chatbots.get('bot-1'));
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(/timed out/);
  });

  it('a stream answered 500 ends within timeoutMs as a MaiAgentApiError', async () => {
    answer = stallAfterHeaders(500);
    const failure = await failureOf(() => drain(client().completions.stream('bot-1', { content: 'x' })));
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(/timed out/);
  });
});

describe('an error answer that quotes the API key', () => {
  it('keeps the key out of the message, detail, body and everything console.error would print', async () => {
    answer = (req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: `Invalid key ${String(req.headers.authorization)}` }));
    const failure = (await failureOf(() => client().chatbots.get('bot-1'))) as MaiAgentApiError;
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect(failure).toMatchObject({ status: 401, detail: 'Invalid key Api-Key [redacted]' });
    expect(`${inspect(failure, { depth: 10 })} ${JSON.stringify(failure.body)}`).not.toContain(KEY);
  });
});

describe('a listing whose next links never end (each a new page)', () => {
  /** Every page holds one record and links to a page not read yet; counts the pages served. */
  function endlessPages(): { served: () => number } {
    let served = 0;
    answer = (req, res) => {
      served += 1;
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: [{ id: `r-${page}` }], next: `${baseUrl}chatbots/bot-1/webhook-records/?page=${page + 1}` }));
    };
    return { served: () => served };
  }

  it('stops at maxPages (default 1000) with a MaiAgentApiError saying so, having read no page more', async () => {
    const pages = endlessPages();
    let records = 0;
    // A thousand loopback pages may take a while on a busy machine: the test's own timeout bounds this one.
    const patient = createMaiAgentClient({ apiKey: KEY, baseUrl, timeoutMs: 10_000, retries: 0 });
    const failure = await (async () => {
      for await (const record of patient.webhookRecords.list('bot-1')) if (record) records += 1;
    })().then(() => 'no failure', (error: unknown) => error);
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect((failure as Error).message).toMatch(/more than 1000 pages/);
    expect({ served: pages.served(), records }).toEqual({ served: 1000, records: 1000 });
  }, 30_000);

  it('takes maxPages per listing', async () => {
    const pages = endlessPages();
    const failure = await failureOf(() => drain(client().webhookRecords.list('bot-1', { maxPages: 3 })));
    expect((failure as Error).message).toMatch(/more than 3 pages/);
    expect(pages.served()).toBe(3);
  });
});

describe('an API answer that redirects', () => {
  let elsewhere: Server;
  let elsewhereOrigin: string;
  let elsewhereRequests: number;
  const record = { id: 'forged-1', url: 'https://x', statusCode: 500, createdAt: String(Date.now()), requestBody: {} };

  beforeEach(async () => {
    elsewhereRequests = 0;
    // Would serve a forged page of records: the test fails if the client ever reads it.
    elsewhere = createServer((_req, res) => {
      elsewhereRequests += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, next: null, previous: null, results: [record] }));
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    elsewhereOrigin = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
  });
  afterEach(async () => {
    elsewhere.closeAllConnections();
    await new Promise((resolve) => elsewhere.close(resolve));
  });

  const redirectElsewhere = (status: number) => {
    answer = (req, res) => res.writeHead(status, { location: `${elsewhereOrigin}/steal${req.url ?? ''}?leak=location-secret-77` }).end();
  };

  it.each([301, 302, 307])('%i: is a MaiAgentApiError naming only the origin; nothing is sent there', async (status) => {
    redirectElsewhere(status);
    const calls = [() => drain(client().webhookRecords.list('bot-1')), () => client().chatbots.get('bot-1'), () => client().messages.create({ conversation: 'c', content: 'x' })];
    for (const call of calls) {
      const failure = await failureOf(call);
      expect(failure).toBeInstanceOf(MaiAgentApiError);
      expect(failure).toMatchObject({ status });
      expect((failure as Error).message).toContain(`redirected to ${elsewhereOrigin}: not followed`);
      expect(inspect(failure, { depth: 10 })).not.toMatch(/location-secret-77|\/steal/);
    }
    expect(elsewhereRequests).toBe(0);
  });

  it('reconcile replays nothing from the host the API redirected to', async () => {
    redirectElsewhere(302);
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    record.requestBody = buildMaiAgentDelivery({ created_at: String(Date.now() - 1000) });
    const failure = await failureOf(() => reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxAgeMs: 60_000 }));
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect({ ran, elsewhereRequests }).toEqual({ ran: [], elsewhereRequests: 0 });
  });
});

describe('a listing page answered 200 that is not the documented { count, next, previous, results: [...] }', () => {
  const RECORD = { id: 'r-1', url: 'https://x', statusCode: 200, createdAt: '1' };
  /** Page 1 holds one record and links to page 2; the page `malformed` is served as `body`. */
  const serve = (malformed: 1 | 2, body: string) => {
    answer = (req, res) => {
      const page = req.url?.includes('page=2') ? 2 : 1;
      const good = JSON.stringify({ count: 2, next: `${baseUrl}chatbots/bot-1/webhook-records/?page=2`, previous: null, results: [RECORD] });
      res.writeHead(200, { 'content-type': page === malformed ? 'text/html' : 'application/json' }).end(page === malformed ? body : good);
    };
  };
  const listed = async () => {
    const ids: unknown[] = [];
    const failure = await failureOf(async () => {
      for await (const item of client().webhookRecords.list('bot-1')) ids.push((item as { id?: unknown } | null)?.id);
    });
    return { ids, failure };
  };

  it.each([
    ['HTML', '<html><body>Bad gateway</body></html>', /not JSON/],
    ['truncated JSON', '{"count": 2, "results": [{"id": "r-', /not JSON/],
    ['an empty body', '', /empty/],
    ['JSON null', 'null', /JSON that is not an object/],
    ['a bare array', '[{"id": "r-2"}]', /JSON that is not an object/],
    ['no results', '{"count": 5}', /no results array/],
    ['results as an object', '{"results": {"id": "r-2"}}', /no results array/],
    ['results as a string', '{"results": "r-2"}', /no results array/],
  ])('%s, on page 1 or page 2, ends the listing with a MaiAgentApiError naming the page’s path', async (_, body, problem) => {
    for (const malformed of [1, 2] as const) {
      serve(malformed, body);
      const { ids, failure } = await listed();
      expect(failure).toBeInstanceOf(MaiAgentApiError);
      expect((failure as Error).message).toMatch(problem);
      expect((failure as Error).message).toContain('GET /api/v1/chatbots/bot-1/webhook-records/');
      expect((failure as Error).message).not.toContain(KEY);
      expect(ids).toEqual(malformed === 1 ? [] : ['r-1']);
    }
  });

  it('a next link that is not a string (a number, an object) ends the listing with a MaiAgentApiError, not a TypeError', async () => {
    for (const next of [2, { page: 2 }]) {
      answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 2, next, previous: null, results: [RECORD] }));
      const { ids, failure } = await listed();
      expect(failure).toBeInstanceOf(MaiAgentApiError);
      expect((failure as Error).message).toMatch(/its next link is not a string/);
      expect(ids).toEqual(['r-1']);
    }
  });

  it('reconcile ends with that MaiAgentApiError and replays nothing, rather than reporting zeros', async () => {
    serve(2, '<html>oops</html>');
    const ran: string[] = [];
    const webhook = { authToken: TOKEN, store: new MemoryStore(), onMessage: (m: MaiAgentMessage) => void ran.push(m.id) };
    const failure = await failureOf(() => reconcile({ client: client(), chatbotId: 'bot-1', webhook, maxAgeMs: 60_000 }));
    expect(failure).toBeInstanceOf(MaiAgentApiError);
    expect(ran).toEqual([]);
  });
});

describe('another JSON answer (2xx) that is not a JSON object', () => {
  it.each([
    ['HTML', '<html>maintenance</html>', /answered 200 with a body that is not JSON/],
    ['an empty body', '', /answered 200 with an empty body/],
    ['JSON null', 'null', /answered 200 with JSON that is not an object/],
  ])('%s is a MaiAgentApiError from chatbots.get, messages.create, conversations.create and completions.create', async (_, body, problem) => {
    answer = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(body);
    const calls = [
      () => client().chatbots.get('bot-1'),
      () => client().messages.create({ conversation: 'c', content: 'x' }),
      () => client().conversations.create({ webChat: 'w' }),
      () => client().completions.create('bot-1', { content: 'x' }),
    ];
    for (const call of calls) {
      const failure = await failureOf(call);
      expect(failure).toBeInstanceOf(MaiAgentApiError);
      expect((failure as Error).message).toMatch(problem);
    }
  });
});
