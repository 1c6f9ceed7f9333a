import type { ClaimState, DedupeStore } from '../core/store';

export interface MemoryStoreOptions {
  /** How long a succeeded id is remembered, at least. Default 24 hours. */
  ttlMs?: number;
  /** The most succeeded ids remembered at once; the oldest generation is dropped first. Default 100000. */
  maxEntries?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The default store: one process, no dependencies. Ids live in two generations; every `ttlMs` (or when the newer
 * one holds half of `maxEntries`) the older one is dropped whole, so expiry costs nothing per entry and memory
 * stays under `maxEntries` ids however many arrive. A succeeded id is remembered between `ttlMs` and twice that,
 * unless `maxEntries` forces it out sooner. Ids in flight never expire: each rotation carries them into the new
 * generation, since they must hold until their callback settles (they are few: one per running callback).
 */
export class MemoryStore implements DedupeStore {
  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Id -> whether its callback succeeded (false: still in flight). One lookup answers a claim. */
  private current = new Map<string, boolean>();
  /** Only succeeded ids: the in-flight ones were carried over when it stopped being current. */
  private previous = new Map<string, boolean>();
  private rotationTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.ttlMs = positiveInteger(options.ttlMs ?? DAY_MS, 'MemoryStore: ttlMs');
    // Timers cannot wait longer than 2^31-1 ms (about 24.8 days); a longer interval would fire at once.
    if (this.ttlMs > 2 ** 31 - 1) throw new TypeError('MemoryStore: ttlMs must be at most 2147483647 (24.8 days)');
    this.maxEntries = positiveInteger(options.maxEntries ?? 100_000, 'MemoryStore: maxEntries');
  }

  claim(key: string): ClaimState {
    const succeeded = this.current.get(key);
    if (succeeded !== undefined) return succeeded ? 'done' : 'in_flight';
    if (this.previous.has(key)) return 'done';
    this.current.set(key, false);
    this.startRotating();
    return 'claimed';
  }

  complete(key: string): void {
    if (this.current.size >= Math.ceil(this.maxEntries / 2)) this.rotate();
    this.current.set(key, true);
  }

  release(key: string): void {
    this.current.delete(key);
  }

  /** How many ids the store holds (succeeded and in flight). */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Stops the rotation timer (it never keeps the process alive; this is for tidy tests). */
  close(): void {
    clearInterval(this.rotationTimer);
    this.rotationTimer = undefined;
  }

  private rotate(): void {
    const older = this.current;
    this.current = new Map();
    for (const [key, succeeded] of older) {
      if (succeeded) continue;
      this.current.set(key, false);
      older.delete(key);
    }
    this.previous = older;
  }

  private startRotating(): void {
    if (this.rotationTimer) return;
    this.rotationTimer = setInterval(() => this.rotate(), this.ttlMs);
    this.rotationTimer.unref?.();
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive whole number`);
  return value;
}
