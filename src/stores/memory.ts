import type { ClaimState, CompletionReport, DedupeStore } from '../core/store';

export interface MemoryStoreOptions {
  /** How long a succeeded id is remembered, at least, unless `maxEntries` forces it out sooner. Default 24 hours. */
  ttlMs?: number | undefined;
  /** The most ids held at once; the older generation is dropped first. Default 500000. */
  maxEntries?: number | undefined;
  /**
   * How long a claim lasts if its attempt never settles it (a Worker whose request the runtime cancelled, a
   * callback that never returns): after this a retry may claim the id and run the callback. Default 5 minutes.
   */
  claimTtlMs?: number | undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * At least half of it is always the newest succeeded ids: 250,000, a day of an assistant answering three replies a
 * second. About 113 bytes an id (measured: 28 MB holding 250,000), so about 56 MB when full.
 */
const DEFAULT_MAX_ENTRIES = 500_000;

const FIVE_MINUTES_MS = 5 * 60 * 1000;

/** Marks a succeeded id; an id in flight maps to the attempt that holds its claim, and when that claim lapses. */
const DONE = true;
interface InFlight {
  readonly attempt: string;
  readonly until: number;
}
type Entry = typeof DONE | InFlight;

/**
 * The default store: one process, no dependencies, no timer (so it keeps no process alive, on any runtime). Ids
 * live in two generations; once the newer one is `ttlMs` old (checked at each claim) or holds half of `maxEntries`,
 * the older one is dropped whole, so expiry costs nothing per entry and memory stays under `maxEntries` ids however
 * many arrive. A succeeded id is remembered at least `ttlMs` (and about twice that while deliveries keep coming),
 * unless `maxEntries` forces it out sooner: then the completion that made room reports how many ids went early,
 * and the webhook passes that on as a warning. Ids in flight hold until their attempt settles or `claimTtlMs`
 * passes, as a RedisStore's do: each rotation carries the live ones into the new generation (they are few: one per
 * running callback), and a claim finds a lapsed one and takes it over. Still no timer: expiry is read at each claim.
 */
export class MemoryStore implements DedupeStore {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly claimTtlMs: number;
  /** Id -> DONE or the attempt holding it. One lookup answers a claim. */
  private current = new Map<string, Entry>();
  /** Only succeeded ids: the in-flight ones were carried over when it stopped being current. */
  private previous = new Map<string, Entry>();
  /** When `previous` stopped being current: its newest ids are that old. */
  private previousEndedAt = 0;
  /** When `current` started. */
  private currentSince = Date.now();

  constructor(options: MemoryStoreOptions = {}) {
    this.ttlMs = positiveInteger(options.ttlMs ?? DAY_MS, 'MemoryStore: ttlMs');
    this.maxEntries = positiveInteger(options.maxEntries ?? DEFAULT_MAX_ENTRIES, 'MemoryStore: maxEntries');
    this.claimTtlMs = positiveInteger(options.claimTtlMs ?? FIVE_MINUTES_MS, 'MemoryStore: claimTtlMs');
  }

  claim(key: string, attempt: string): ClaimState {
    const now = Date.now();
    if (now - this.currentSince >= this.ttlMs) this.rotate();
    const held = this.current.get(key);
    if (held === DONE) return 'done';
    // The same attempt asking again (its client resent the claim after losing the reply) holds it already.
    if (held !== undefined && held.attempt === attempt) return 'claimed';
    if (held !== undefined && held.until > now) return 'in_flight';
    // Unknown, or a claim that lapsed: its attempt never settled, so this one takes the id over.
    if (held === undefined && this.previous.has(key)) return 'done';
    this.current.set(key, { attempt, until: now + this.claimTtlMs });
    return 'claimed';
  }

  complete(key: string, _attempt?: string): CompletionReport | undefined {
    let report: CompletionReport | undefined;
    if (this.current.size >= Math.ceil(this.maxEntries / 2)) {
      const evictedEarly = this.rotate();
      if (evictedEarly > 0) report = { evictedEarly };
    }
    this.current.set(key, DONE);
    return report;
  }

  release(key: string, attempt: string): void {
    const held = this.current.get(key);
    if (held !== undefined && held !== DONE && held.attempt === attempt) this.current.delete(key);
  }

  /** How many ids the store holds (succeeded and in flight). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Nothing to stop: the store sets no timer. Kept so code written for earlier versions still runs. */
  close(): void {}

  /** Drops the older generation; answers how many of its ids were younger than `ttlMs`, as far as can be told. */
  private rotate(): number {
    const now = Date.now();
    const dropped = this.previous;
    const older = this.current;
    this.current = new Map();
    for (const [key, entry] of older) {
      if (entry === DONE) continue;
      // A lapsed claim is not carried on: the id is as free as one never seen.
      if (entry.until > now) this.current.set(key, entry);
      older.delete(key);
    }
    this.previous = older;
    // Its ids succeeded before it stopped being current: if that was less than ttlMs ago, the newest went early.
    const early = now - this.previousEndedAt < this.ttlMs ? dropped.size : 0;
    this.previousEndedAt = now;
    this.currentSince = now;
    return early;
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive whole number`);
  return value;
}
