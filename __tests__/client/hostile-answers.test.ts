// The client against answers a stand-in for MaiAgent on loopback writes to hurt it: a body that stalls after the
// headers, an error that echoes the API key. Every failure is a MaiAgentApiError within timeoutMs, without the key.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { createMaiAgentClient, MaiAgentApiError } from 'maiagent-webhook/client';

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
