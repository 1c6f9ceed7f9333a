// A Cloudflare Worker whose dedupe lives in Durable Objects: one object per message id, whose state changes one
// request at a time, so a claim is atomic. wrangler.toml binds it:
//   [[durable_objects.bindings]] name = "DEDUPE", class_name = "DedupeObject"   ([[migrations]] new_classes too)
import { maiagentWebhook, type ClaimState, type DedupeStore } from 'maiagent-webhook/fetch';

const CLAIM_TTL_MS = 5 * 60 * 1000; // like RedisStore's claimTtlMs default
const DONE_TTL_MS = 24 * 60 * 60 * 1000; // like its ttlMs

interface Held {
  value: string; // 'done' or 'in_flight:<attempt>'
  until: number;
}

/** One message id: its claim or its done mark, kept until it expires (then an alarm deletes it). */
export class DedupeObject {
  constructor(private readonly state: { storage: DurableObjectStorage }) {}

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const step = url.pathname.slice(1);
    const own = `in_flight:${await request.text()}`;
    const stored = await this.state.storage.get<Held>('held');
    const held = stored && stored.until > Date.now() ? stored.value : undefined;
    if (step === 'claim') {
      if (held === 'done') return new Response('done');
      if (held !== undefined && held !== own) return new Response('in_flight');
      await this.hold(own, Number(url.searchParams.get('claimTtlMs')) || CLAIM_TTL_MS);
      return new Response('claimed');
    }
    if (step === 'complete') await this.hold('done', DONE_TTL_MS);
    if (step === 'release' && held === own) await this.state.storage.deleteAll();
    return new Response(null, { status: 204 });
  }

  async alarm(): Promise<void> {
    const stored = await this.state.storage.get<Held>('held');
    if (stored && stored.until <= Date.now()) await this.state.storage.deleteAll();
  }

  private async hold(value: string, ttlMs: number): Promise<void> {
    const until = Date.now() + ttlMs;
    await this.state.storage.put('held', { value, until });
    await this.state.storage.setAlarm(until);
  }
}

/** The webhook's store: each call goes to the object named by the key. A claim lasts `claimTtlMs` if never settled. */
export class DurableObjectStore implements DedupeStore {
  constructor(
    private readonly objects: DurableObjectNamespace,
    private readonly claimTtlMs = CLAIM_TTL_MS,
  ) {}

  claim(key: string, attempt: string): Promise<ClaimState> {
    return this.send(key, 'claim', attempt) as Promise<ClaimState>;
  }

  async complete(key: string, attempt: string): Promise<void> {
    await this.send(key, 'complete', attempt);
  }

  async release(key: string, attempt: string): Promise<void> {
    await this.send(key, 'release', attempt);
  }

  private async send(key: string, step: string, attempt: string): Promise<string> {
    const response = await this.objects.get(this.objects.idFromName(key)).fetch(`https://dedupe/${step}?claimTtlMs=${this.claimTtlMs}`, { method: 'POST', body: attempt });
    if (!response.ok) throw new Error(`dedupe object answered ${response.status}`);
    return response.text();
  }
}

interface Env {
  MAIAGENT_WEBHOOK_TOKEN: string;
  DEDUPE: DurableObjectNamespace;
}

let webhook: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    webhook ??= maiagentWebhook({
      authToken: env.MAIAGENT_WEBHOOK_TOKEN,
      store: new DurableObjectStore(env.DEDUPE),
      onMessage: async (message) => {
        console.log(`[${message.conversation}] ${message.content}`);
      },
    });
    return webhook(request);
  },
};

// The few members used here of the types in @cloudflare/workers-types (which a Worker project has).
interface DurableObjectStorage {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  deleteAll(): Promise<void>;
  setAlarm(at: number): Promise<void>;
}
interface DurableObjectNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(url: string, init: RequestInit): Promise<Response> };
}
