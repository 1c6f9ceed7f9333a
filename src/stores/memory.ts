import type { ClaimState, CompletionReport, DedupeStore } from '../core/store';

export interface MemoryStoreOptions {
  /** How long a succeeded id is remembered, at least, unless `maxEntries` forces it out sooner. Default 24 hours. */
  ttlMs?: number;
  /** The most ids held at once; the older generation is dropped first. Default 500000. */
  maxEntries?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * At least half of it is always the newest succeeded ids: 250,000, a day of an assistant answering three replies a
 * second. About 113 bytes an id (measured: 28 MB holding 250,000), so about 56 MB when full.
 */
const DEFAULT_MAX_ENTRIES = 500_000;

/** Marks a succeeded id; an id in flight maps to the attempt that holds its claim. */
const DONE = true;
type Entry = typeof DONE | string;

/**
 * The default store: one process, no dependencies, no timer (so it keeps no process alive, on any runtime). Ids
 * live in two generations; once the newer one is `ttlMs` old (checked at each claim) or holds half of `maxEntries`,
 * the older one is dropped whole, so expiry costs nothing per entry and memory stays under `maxEntries` ids however
 * many arrive. A succeeded id is remembered at least `ttlMs` (and about twice that while deliveries keep coming),
 * unless `maxEntries` forces it out sooner: then the completion that made room reports how many ids went early,
 * and the webhook passes that on as a warning. Ids in flight never expire: each rotation carries them into the new
 * generation, since they must hold until their callback settles (they are few: one per running callback).
 */
export class MemoryStore implements DedupeStore {
  readonly ttlMs: number;
  readonly maxEntries: number;
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
  }

  claim(key: string, attempt: string): ClaimState {
    if (Date.now() - this.currentSince >= this.ttlMs) this.rotate();
    const held = this.current.get(key);
    if (held !== undefined) return held === DONE ? 'done' : held === attempt ? 'claimed' : 'in_flight';
    if (this.previous.has(key)) return 'done';
    this.current.set(key, attempt);
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
    if (this.current.get(key) === attempt) this.current.delete(key);
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
      this.current.set(key, entry);
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
