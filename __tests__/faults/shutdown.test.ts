// A deploy during a Redis stall, in the README's shutdown order (close the webhook, then the Redis client): the
// claims that land after their deadline must be given back before close() resolves, or the next deployment
// answers 409 to every retry until claimTtlMs passes. A real redis-server behind a TCP proxy that goes silent.
import { createWebhookHandler } from '../../src/core/handle';
import type { DeliveryOutcome } from '../../src/core/options';
import { maiagentPreset } from '../../src/presets/maiagent';
import { RedisStore, type SendCommand } from '../../src/stores/redis';
import { buildMaiAgentDelivery } from '../../src/testing';
import { printFigures } from '../support/figures';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';
import { connectTestRedis, nodeRedisAsTheReadmeWires, type TestRedis } from '../support/redis';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const TIMEOUT_MS = 300;
/** Long, so that a claim left behind shows as 409s for the whole test. */
const CLAIM_TTL_MS = 60_000;

let redis: TestRedis;
let proxy: TcpProxy;
beforeAll(async () => {
  redis = await connectTestRedis();
  proxy = await startTcpProxy(Number(new URL(redis.url).port));
});
afterAll(async () => {
  await proxy.close();
  await redis.close();
});

/** One deployment of the receiver: its own handler over `sendCommand`, the shared prefix, its outcomes. */
function deployment(sendCommand: SendCommand, prefix: string) {
  const outcomes: DeliveryOutcome[] = [];
  const handle = promising(createWebhookHandler(maiagentPreset, {
    authToken: TOKEN,
    timeoutMs: TIMEOUT_MS,
    store: new RedisStore({ sendCommand, prefix, claimTtlMs: CLAIM_TTL_MS }),
    onOutcome: (outcome) => void outcomes.push(outcome),
    log: false,
    onMessage: () => {},
  }));
  const send = (text: string) => handle(plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }));
  return { handle, send, outcomes };
}

/**
 * The old deployment answers 10 deliveries while the proxy holds every packet, is closed with `closeOptions`, the
 * stall ends `stallMs` after close() began, the client is quit once close() resolves; the next deployment gets the retries.
 */
async function deployDuringStall(name: string, closeOptions: { timeoutMs?: number }, stallMs: number) {
  const prefix = `${redis.prefix}shutdown-${name}:`;
  const client = nodeRedisAsTheReadmeWires(`redis://127.0.0.1:${proxy.port}`);
  await client.connect();
  const texts = Array.from({ length: 10 }, () => JSON.stringify(buildMaiAgentDelivery()));

  const old = deployment((args) => client.sendCommand(args), prefix);
  proxy.setMode({ kind: 'silent' });
  const during = (await Promise.all(texts.map(old.send))).map((answer) => answer.code);
  const closing = old.handle.close(closeOptions);
  // The stall ends while the old deployment drains: the claims it gave up on land now.
  const stallEnds = new Promise<void>((resolve) => setTimeout(() => resolve(proxy.setMode({ kind: 'pass' })), stallMs));
  await closing;
  await client.close();
  await stallEnds;

  const keys = (await redis.sendCommand(['KEYS', `${prefix}*`])) as string[];
  const next = deployment(redis.sendCommand, prefix);
  const retries = (await Promise.all(texts.map(next.send))).map((answer) => answer.code);
  await next.handle.close();
  const figures = {
    answeredDuringTheStall: count(during),
    claimsLeftBehind: keys.length,
    retriesOnTheNextDeployment: count(retries),
    warnings: old.outcomes.flatMap((outcome) => outcome.warnings).length,
  };
  printFigures(`deploy during a Redis stall (${name})`, figures);
  return figures;
}

const NOTHING_LEFT_BEHIND = { answeredDuringTheStall: { store_unavailable: 10 }, claimsLeftBehind: 0, retriesOnTheNextDeployment: { delivered: 10 }, warnings: 0 };

it('a deploy during a Redis stall, closing then quitting the client: the next deployment answers the retries 200, never 409', async () => {
  expect(await deployDuringStall('short', {}, 0)).toEqual(NOTHING_LEFT_BEHIND);
}, 60_000);

it('a stall longer than twice timeoutMs, under close({ timeoutMs }): the claims are waited for up to that bound, none left behind', async () => {
  expect(await deployDuringStall('long', { timeoutMs: 30_000 }, 5 * TIMEOUT_MS)).toEqual(NOTHING_LEFT_BEHIND);
}, 60_000);

function count(codes: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}
