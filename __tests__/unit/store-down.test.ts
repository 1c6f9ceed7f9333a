// A store that stops answering (a frozen or partitioned Redis): what the receiver holds and how long each delivery
// waits; a store that fails at once is another matter (asked every time). Found by an outside attack at saturation: every delivery whose claim was still pending kept its body, its
// parsed message and its response (about 300 KB a 200 KB body), so a silent Redis grew the receiver without bound
// while each platform retry waited the whole timeoutMs for its 503.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createWebhookHandler, type Answer } from '../../src/core/handle';
import type { Rejection } from '../../src/core/options';
import type { ClaimState, DedupeStore } from '../../src/core/store';
import type { Outcome } from '../../src/core/types';
import { maiagentPreset } from '../../src/presets/maiagent';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';
import { plainRequest } from '../support/plain-request';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const encoder = new TextEncoder();
const request = (body: object) => plainRequest({ headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: { kind: 'bytes', bytes: encoder.encode(JSON.stringify(body)) } });

/** A store whose claims answer only when told to (`answerAll`), and that counts them. */
function silentStore() {
  const pending: ((state: ClaimState) => void)[] = [];
  const store: DedupeStore = {
    claim: () => new Promise<ClaimState>((resolve) => pending.push(resolve)),
    complete: () => undefined,
    release: () => undefined,
  };
  return { store, claims: () => pending.length, answerAll: (state: ClaimState) => pending.splice(0).forEach((resolve) => resolve(state)) };
}

function receiver(store: DedupeStore, timeoutMs = 20) {
  // Only what the tests read: a rejection's rawBody would hold the very body the first test looks for.
  const rejections: Pick<Rejection, 'code' | 'error'>[] = [];
  const ran: string[] = [];
  const lines: string[] = [];
  const write = (_fields: object, line: string) => void lines.push(line);
  const handle = createWebhookHandler(maiagentPreset, {
    authToken: TOKEN,
    store,
    timeoutMs,
    limit: '10mb',
    log: { debug: write, info: write, warn: write, error: write },
    onMessage: (message) => void ran.push(message.id),
    onRejected: ({ code, error }) => void rejections.push({ code, error }),
  });
  const deliver = (body: object): Promise<Outcome> => new Promise((answer) => handle(request(body), answer));
  return { handle, deliver, rejections, ran, lines };
}

/** Runs `test` with Date.now() frozen (the probe interval is read from it), moved on only by `later(ms)`. */
async function withFrozenClock(test: (later: (ms: number) => void) => Promise<void>): Promise<void> {
  let now = Date.now();
  const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
  try {
    await test((ms) => {
      now += ms;
    });
  } finally {
    clock.mockRestore();
  }
}

const heapAfterGc = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

describe('a store that stops answering', () => {
  it('a delivery answered 503 while its claim is still pending holds neither its body nor its response', async () => {
    const silent = silentStore();
    const { handle } = receiver(silent.store);
    // A first delivery, so what the handler makes once (its code, its answers) is not counted below.
    const first = new Promise<Outcome>((resolve) => handle(request(buildMaiAgentDelivery()), resolve));
    silent.answerAll('claimed');
    expect((await first).code).toBe('delivered');
    // 8 MB of reply text: the body's string and the parsed message would each hold about that much.
    const before = heapAfterGc();
    const body = buildMaiAgentDelivery({ content: 'x'.repeat(8 * 1024 * 1024) });
    let answerSeen: WeakRef<Answer> | undefined;
    const outcome = await new Promise<Outcome>((resolve) => {
      const answer: Answer = (answered) => resolve(answered);
      answerSeen = new WeakRef(answer);
      handle(request(body), answer);
    });
    body.content = '';
    const held = heapAfterGc() - before;
    expect({ status: outcome.status, code: outcome.code, claims: silent.claims() }).toEqual({ status: 503, code: 'store_unavailable', claims: 1 });
    expect({ responseHeld: answerSeen?.deref() !== undefined, bodyHeld: held > 2 * 1024 * 1024 }).toEqual({ responseHeld: false, bodyHeld: false });
    silent.answerAll('claimed');
  });

  it('once a claim has gone unanswered, the next deliveries are answered 503 without waiting or calling the store; one a second probes it', async () => {
    const silent = silentStore();
    const { deliver, rejections, lines } = receiver(silent.store);
    await withFrozenClock(async (later) => {
        expect((await deliver(buildMaiAgentDelivery())).code).toBe('store_unavailable');
        const refused = await Promise.all(Array.from({ length: 20 }, () => deliver(buildMaiAgentDelivery())));
        expect({ codes: new Set(refused.map((o) => o.code)), claims: silent.claims() }).toEqual({ codes: new Set(['store_unavailable']), claims: 1 });
        expect(new Set(rejections.slice(1).map(({ error }) => (error as Error).name))).toEqual(new Set(['StoreDownError']));
        // Each says why in the log, as every store_unavailable does.
        expect(lines.slice(1).filter((line) => !line.endsWith('StoreDownError: the store is not answering (a claim went unanswered for timeoutMs lately): not called'))).toEqual([]);
        // A second later one delivery probes the store, and while that probe waits, no other does.
        later(1001);
        const probe = deliver(buildMaiAgentDelivery());
        const whileProbing = await deliver(buildMaiAgentDelivery());
        expect({ claims: silent.claims(), whileProbing: whileProbing.code }).toEqual({ claims: 2, whileProbing: 'store_unavailable' });
        silent.answerAll('claimed');
        await probe;
    });
  });

  it('a store that answers again is called again: the probe that finds it back closes the breaker', async () => {
    const silent = silentStore();
    const { deliver, ran } = receiver(silent.store);
    await withFrozenClock(async (later) => {
        expect((await deliver(buildMaiAgentDelivery())).code).toBe('store_unavailable');
        later(1001);
        const back = buildMaiAgentDelivery();
        const probe = deliver(back);
        silent.answerAll('claimed');
        expect((await probe).code).toBe('delivered');
        const next = deliver(buildMaiAgentDelivery());
        expect(silent.claims()).toBe(1);
        silent.answerAll('claimed');
        expect({ next: (await next).code, ran: ran.includes(back.id) }).toEqual({ next: 'delivered', ran: true });
    });
  });

  it('a store that fails at once (Redis refusing connections) is asked by every delivery: a failure answered in time holds nothing', async () => {
    let claims = 0;
    const failing: DedupeStore = {
      claim: () => {
        claims += 1;
        return Promise.reject(new Error('connect ECONNREFUSED'));
      },
      complete: () => undefined,
      release: () => undefined,
    };
    const { deliver } = receiver(failing);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => deliver(buildMaiAgentDelivery())));
    const later = await deliver(buildMaiAgentDelivery());
    expect({ codes: new Set([...outcomes, later].map((o) => o.code)), claims }).toEqual({ codes: new Set(['store_unavailable']), claims: 11 });
  });

  it('a probe whose claim fails at once ends the silence too: the store answers again, if only with errors', async () => {
    const silent = silentStore();
    let failFast = false;
    const store: DedupeStore = { ...silent.store, claim: (key, attempt) => (failFast ? Promise.reject(new Error('LOADING Redis is loading')) : silent.store.claim(key, attempt)) };
    const { deliver } = receiver(store);
    await withFrozenClock(async (later) => {
        expect((await deliver(buildMaiAgentDelivery())).code).toBe('store_unavailable');
        failFast = true;
        later(1001);
        expect((await deliver(buildMaiAgentDelivery())).code).toBe('store_unavailable');
        failFast = false;
        const next = deliver(buildMaiAgentDelivery());
        expect(silent.claims()).toBe(2);
        silent.answerAll('claimed');
        expect((await next).code).toBe('delivered');
    });
  });
});
