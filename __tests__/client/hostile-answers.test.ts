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
