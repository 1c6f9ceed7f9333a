// The seven defects of issue #12, each as it was found: a test that failed before the fix.
import { execFile } from 'node:child_process';
import { createWebhookHandler } from '../../src/core/handle';
import { withDefaultStore } from '../../src/presets/factories';
import type { ClaimState, DedupeStore } from '../../src/core/store';
import { maiagentPreset, type MaiAgentMessage } from '../../src/presets/maiagent';
import type { DeliveryOutcome } from '../../src/core/options';
import type { BodySource, Outcome, WebhookRequest } from '../../src/core/types';
import { MemoryStore } from '../../src/stores/memory';
import { buildMaiAgentDelivery } from '../../src/testing';
import { testBuildDir } from '../support/build';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function requestFor(text: string): WebhookRequest {
  return plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
}

function deliveryText(): string {
  return JSON.stringify(buildMaiAgentDelivery());
}

/** A store that stands in front of a MemoryStore and can be told to fail, hang or lag at each step. */
class ControlledStore implements DedupeStore {
  readonly inner = new MemoryStore();
  failNext: Partial<Record<'claim' | 'complete' | 'release', number>> = {};
  hang: Partial<Record<'claim' | 'complete' | 'release', boolean>> = {};
  lagMs = 0;
  /** Claims granted and not yet completed or released. */
  held = 0;
  /** Every store write that landed, in order. */
  readonly landed: string[] = [];

  async claim(key: string, attempt: string): Promise<ClaimState> {
    await this.step('claim');
    const state = this.inner.claim(key, attempt);
    this.landed.push(`claim:${state}`);
    if (state === 'claimed') this.held += 1;
    return state;
  }

  async complete(key: string, attempt: string): Promise<void> {
    await this.step('complete');
    this.held -= 1;
    this.landed.push('complete');
    this.inner.complete(key, attempt);
  }

  async release(key: string, attempt: string): Promise<void> {
    await this.step('release');
    this.held -= 1;
    this.landed.push('release');
    this.inner.release(key, attempt);
  }

  private async step(name: 'claim' | 'complete' | 'release'): Promise<void> {
    if (this.hang[name]) return new Promise(() => {});
    if (this.lagMs) await sleep(this.lagMs);
    const failures = this.failNext[name] ?? 0;
    if (failures > 0) {
      this.failNext[name] = failures - 1;
      throw new Error(`${name} failed`);
    }
  }
}

function receiver(store: DedupeStore, onMessage: (message: MaiAgentMessage) => unknown, extra: { timeoutMs?: number } = {}) {
  const outcomes: DeliveryOutcome[] = [];
  const handle = promising(createWebhookHandler(maiagentPreset, {
    authToken: TOKEN,
    store,
    onMessage,
    onOutcome: (outcome) => void outcomes.push(outcome),
    log: false,
    timeoutMs: extra.timeoutMs ?? 50,
  }));
  return { handle, outcomes };
}

describe('1. a used body', () => {
  it('answers 500 body_unavailable to a Fetch Request whose body was read, and the process lives on', async () => {
    const script = `
      const { maiagentWebhook } = require(${JSON.stringify(`${testBuildDir()}/fetch.js`)});
      const webhook = maiagentWebhook({ authToken: 't', onMessage() {}, bodyTimeoutMs: 20 });
      (async () => {
        const request = new Request('http://127.0.0.1/hook?token=t', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        await request.json();
        const response = await webhook(request);
        console.log(response.status, (await response.json()).error);
        await new Promise((resolve) => setTimeout(resolve, 100));
        console.log('alive');
      })();`;
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      const child = execFile(process.execPath, ['-e', script], (error, stdout) => resolve({ stdout, code: error ? (error.code as number) : 0 }));
      child.stdin?.end();
    });
    expect(stdout.trim().split('\n')).toEqual(['500 body_unavailable', 'alive']);
    expect(code).toBe(0);
  });

  it('answers a stream that yields strings instead of bytes', async () => {
    const { handle } = receiver(new MemoryStore(), () => {});
    const strings = (async function* () { yield deliveryText() as unknown as Uint8Array; })();
    const { chunkStreamOf } = await import('../../src/core/chunk-stream');
    const body: BodySource = { kind: 'stream', stream: chunkStreamOf(strings) };
    const request = { ...requestFor(''), body };
    const outcome = await Promise.race([handle(request), sleep(1000).then(() => 'never answered')]);
    expect(outcome).toMatchObject({ status: 500, code: 'body_unavailable' });
  });
});

describe('2. a store that hangs', () => {
  it('answers 503 store_unavailable when the claim never settles, and close() still resolves', async () => {
    const store = new ControlledStore();
    store.hang.claim = true;
    const { handle, outcomes } = receiver(store, () => {});
    const outcome = await Promise.race([handle(requestFor(deliveryText())), sleep(2000).then(() => 'never answered')]);
    expect(outcome).toMatchObject({ status: 503, code: 'store_unavailable' });
    expect(await Promise.race([handle.close().then(() => 'closed'), sleep(2000).then(() => 'pending')])).toBe('closed');
    expect(outcomes.map((o) => o.code)).toEqual(['store_unavailable']);
  });

  it('answers 200 when complete() never settles after a success, reports the write, and close() resolves', async () => {
    const store = new ControlledStore();
    store.hang.complete = true;
    const { handle, outcomes } = receiver(store, () => {});
    const outcome = await Promise.race([handle(requestFor(deliveryText())), sleep(2000).then(() => 'never answered')]);
    expect(outcome).toMatchObject({ status: 200, code: 'delivered' });
    expect(await Promise.race([handle.close().then(() => 'closed'), sleep(3000).then(() => 'pending')])).toBe('closed');
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]?.warnings.map((w) => w.code)).toEqual(['store_record_failed']);
  });
});

describe('3. a store write after the callback fails once', () => {
  it('complete() failing once after a late success: the retry is a duplicate, the callback ran once', async () => {
    const store = new ControlledStore();
    store.failNext.complete = 1;
    let calls = 0;
    const { handle } = receiver(store, async () => {
      calls += 1;
      await sleep(80);
    });
    const text = deliveryText();
    expect((await handle(requestFor(text))).code).toBe('handler_timeout');
    await sleep(200);
    expect((await handle(requestFor(text))).code).toBe('duplicate');
    expect(calls).toBe(1);
  });

  it('release() failing once after a failure: the next retry runs the callback instead of meeting 409', async () => {
    const store = new ControlledStore();
    store.failNext.release = 1;
    let calls = 0;
    // The answer waits for the retried release, within the delivery's budget.
    const { handle, outcomes } = receiver(store, () => {
      calls += 1;
      if (calls === 1) throw new Error('downstream down');
    }, { timeoutMs: 2000 });
    const text = deliveryText();
    expect((await handle(requestFor(text))).code).toBe('handler_failed');
    expect((await handle(requestFor(text))).code).toBe('delivered');
    expect(calls).toBe(2);
    expect(outcomes.flatMap((o) => o.warnings)).toEqual([]);
  });
});

describe('4. a claim freed by someone else', () => {
  it('the same store never frees a claim it took again for a later attempt', async () => {
    const { connectTestRedis } = await import('../support/redis');
    const { RedisStore } = await import('../../src/stores/redis');
    const redis = await connectTestRedis();
    try {
      const store = new RedisStore({ sendCommand: redis.sendCommand, prefix: redis.prefix, claimTtlMs: 300 });
      const gates: ((fail: boolean) => void)[] = [];
      let running = 0;
      let overlapping = 0;
      const { handle } = receiver(store, () => {
        running += 1;
        if (running > 1) overlapping += 1;
        return new Promise<void>((resolve, reject) => {
          gates.push((fail) => {
            running -= 1;
            if (fail) reject(new Error('failed after its claim expired'));
            else resolve();
          });
        });
      }, { timeoutMs: 5000 });
      const delivery = buildMaiAgentDelivery();
      const text = JSON.stringify(delivery);
      const redisKey = `${redis.prefix}maiagent:${delivery.id}`;
      const first = handle(requestFor(text));
      while (gates.length < 1) await sleep(5);
      while ((await redis.sendCommand(['EXISTS', redisKey])) === 1) await sleep(20); // the first claim has lapsed
      const second = handle(requestFor(text));
      while (gates.length < 2) await sleep(5);
      gates[0]?.(true);
      expect((await first).code).toBe('handler_failed');
      // The first attempt's release left the second attempt's live claim alone: a retry now is told to wait.
      expect((await handle(requestFor(text))).code).toBe('in_progress');
      gates[1]?.(false);
      expect((await second).code).toBe('delivered');
      expect(gates).toHaveLength(2);
      expect(overlapping).toBe(1); // the documented case: a callback running past claimTtlMs
    } finally {
      await redis.close();
    }
  });
});

describe('5. close() and claims on their way to the store', () => {
  it('resolves only once every claim issued is recorded', async () => {
    const store = new ControlledStore();
    store.lagMs = 30;
    const { handle } = receiver(store, () => {});
    const delivery = handle(requestFor(deliveryText()));
    await sleep(5); // the claim is on its way
    await handle.close();
    const landedBeforeClose = [...store.landed];
    expect((await delivery).code).toBe('shutting_down');
    await sleep(100);
    // Nothing reached the store after close() resolved, and nothing was left claimed.
    expect(store.landed).toEqual(landedBeforeClose);
    expect(landedBeforeClose).toEqual(['claim:claimed', 'release']);
    expect(store.held).toBe(0);
  });
});

describe('6. a callback return value that throws when inspected', () => {
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const throwingThen = () => Object.defineProperty({}, 'then', { get() { throw new Error('then getter'); } });

  it.each([['a revoked Proxy', revoked], ['a throwing then getter', throwingThen]])('%s: 500, claim freed, close() resolves', async (_name, value) => {
    const store = new ControlledStore();
    let calls = 0;
    const { handle } = receiver(store, () => {
      calls += 1;
      return calls === 1 ? value() : undefined;
    });
    const text = deliveryText();
    expect((await handle(requestFor(text))).code).toBe('handler_failed');
    expect((await handle(requestFor(text))).code).toBe('delivered');
    expect(await Promise.race([handle.close().then(() => 'closed'), sleep(1000).then(() => 'pending')])).toBe('closed');
  });
});

describe('7. a memory store that forgets early', () => {
  it('says so with dedupe_evicted_early: every id forgotten before ttlMs is counted in a warning', async () => {
    const store = new MemoryStore({ maxEntries: 4 });
    let calls = 0;
    const { handle, outcomes } = receiver(store, () => void (calls += 1));
    const texts = Array.from({ length: 6 }, deliveryText);
    for (const text of texts) await handle(requestFor(text));
    const reported = outcomes.flatMap((o) => o.warnings).reduce((sum, w) => sum + (w.code === 'dedupe_evicted_early' ? w.evicted : 0), 0);
    // Ask the store about every id: the ones it would let run again are the ones it forgot.
    const forgotten = texts.filter((text) => store.claim(`maiagent:${(JSON.parse(text) as { id: string }).id}`, 'probe') === 'claimed').length;
    expect(calls).toBe(texts.length);
    expect(forgotten).toBeGreaterThan(0);
    expect(reported).toBe(forgotten);
    store.close();
  });
});

describe('onOutcome', () => {
  it('hears every delivery once, 2xx included, with ids and never the body or the token', async () => {
    const outcomes: DeliveryOutcome[] = [];
    const handle = promising(createWebhookHandler(maiagentPreset, withDefaultStore<MaiAgentMessage>({ authToken: TOKEN, onMessage: () => {}, onOutcome: (o) => void outcomes.push(o) })));
    const delivery = buildMaiAgentDelivery();
    const text = JSON.stringify(delivery);
    await handle(requestFor(text));
    await handle(requestFor(text));
    await handle(plainRequest({ body: { kind: 'text', text }, headers: { authorization: 'Bearer wrong', 'content-type': 'application/json' } }));
    expect(outcomes.map((o) => [o.code, o.status])).toEqual([['delivered', 200], ['duplicate', 200], ['unauthorized', 401]]);
    expect(outcomes[0]).toMatchObject({ platform: 'maiagent', messageId: delivery.id, conversationId: delivery.conversation, warnings: [] });
    expect(outcomes[2]?.messageId).toBeUndefined();
    expect(outcomes.every((o) => typeof o.durationMs === 'number' && o.durationMs >= 0)).toBe(true);
    const seen = JSON.stringify(outcomes);
    expect(seen).not.toContain(TOKEN);
    expect(seen).not.toContain(delivery.content as string);
  });

  it('a hook that throws changes no answer', async () => {
    const handle = promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, onOutcome: () => { throw new Error('hook'); } }));
    expect((await handle(requestFor(deliveryText()))).status).toBe(200);
  });
});

export type { Outcome };

describe('README and behaviour agree', () => {
  it('runs the onOutcome example: one line per delivery', async () => {
    process.env.MAIAGENT_WEBHOOK_TOKEN = TOKEN;
    const info = jest.spyOn(console, 'info').mockImplementation(() => {});
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const { app } = await import('../../examples/on-outcome');
      const { sendDelivery } = await import('../../src/testing');
      const delivery = buildMaiAgentDelivery();
      await sendDelivery(app, { token: TOKEN, body: delivery });
      await sendDelivery(app, { token: 'wrong', body: delivery });
      expect(info.mock.calls.map(([line]) => String(line).replace(/ [\d.]+ ms$/, ''))).toEqual([`maiagent 200 delivered ${delivery.id}`, 'maiagent 401 unauthorized -']);
    } finally {
      info.mockRestore();
      log.mockRestore();
      delete process.env.MAIAGENT_WEBHOOK_TOKEN;
    }
  });

  it('an internal_error after the body was read carries the rawBody to onRejected', async () => {
    const rejections: { code: string; rawBody?: string }[] = [];
    const broken = { ...maiagentPreset, toMessage: (): never => { throw new Error('boom'); } };
    const handle = promising(createWebhookHandler(broken, { authToken: TOKEN, onMessage: () => {}, onRejected: (r) => void rejections.push(r) }));
    const text = deliveryText();
    expect((await handle(requestFor(text))).code).toBe('internal_error');
    expect(rejections).toEqual([expect.objectContaining({ code: 'internal_error', rawBody: text })]);
  });

  it('conversation and conversation_id that differ: conversation is used, and onOutcome hears of it', async () => {
    const outcomes: DeliveryOutcome[] = [];
    const messages: MaiAgentMessage[] = [];
    const handle = promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: (m) => void messages.push(m), onOutcome: (o) => void outcomes.push(o) }));
    await handle(requestFor(JSON.stringify(buildMaiAgentDelivery({ conversation: 'conv-a', conversation_id: 'conv-b' }))));
    await handle(requestFor(JSON.stringify(buildMaiAgentDelivery({ conversation: 'conv-a', conversation_id: 'conv-a' }))));
    expect(messages.map((m) => m.conversation)).toEqual(['conv-a', 'conv-a']);
    expect(outcomes.map((o) => o.warnings.map((w) => w.code))).toEqual([['conflicting_conversation_ids'], []]);
  });
});

describe('onRejected hears each delivery once', () => {
  it('a failure answered at the deadline while its release was still being retried is not reported again when the retries end', async () => {
    const rejections: string[] = [];
    const store = new ControlledStore();
    store.hang.release = true;
    const handle = promising(createWebhookHandler(maiagentPreset, {
      authToken: TOKEN,
      store,
      timeoutMs: 30,
      log: false,
      onRejected: (r) => void rejections.push(r.code),
      onMessage: () => {
        throw new Error('downstream');
      },
    }));
    expect((await handle(requestFor(deliveryText()))).code).toBe('handler_failed');
    await handle.close(); // waits for the release's retries to give up
    expect(rejections).toEqual(['handler_failed']);
  });
});
