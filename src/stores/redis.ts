import type { ClaimState, DedupeStore } from '../core/store';

/**
 * Sends one Redis command and resolves with its reply. Wire any client:
 * node-redis `(args) => client.sendCommand(args)`, ioredis `(args) => client.call(args[0], ...args.slice(1))`.
 */
export type SendCommand = (args: string[]) => Promise<unknown>;

export interface RedisStoreOptions {
  sendCommand: SendCommand;
  /** Prefix of every key this store writes. Default `'maiagent-webhook:'`. */
  prefix?: string | undefined;
  /** How long a succeeded id is remembered. Default 24 hours. */
  ttlMs?: number | undefined;
  /**
   * How long a claim lasts if its process never settles it (it crashed). A callback still running after this may
   * run a second time elsewhere. Default 5 minutes.
   */
  claimTtlMs?: number | undefined;
}

const DONE = 'done';
const IN_FLIGHT = 'in_flight:';

// Deletes the claim only while it is still this attempt's own: one that expired and was taken again (by another
// process, or by this one for a later attempt) stays.
const RELEASE_IF_OWNED = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * Dedupe shared by several processes behind a load balancer. A claim is one atomic
 * `SET key in_flight:<attempt> NX PX GET` (on servers before Redis 7, `SET NX PX` then `GET`), so two processes
 * receiving the same retry at once cannot both run the callback, and only the attempt that took a claim can free it.
 */
export class RedisStore implements DedupeStore {
  private readonly send: SendCommand;
  private readonly prefix: string;
  private readonly ttl: string;
  private readonly claimTtl: string;
  /** How long a succeeded id is remembered (what `reconcile` bounds its replays by). */
  readonly ttlMs: number;
  /** Whether the server takes `SET … NX GET` (Redis 7+, Valkey): learnt from the first claim it answers. */
  private setGet: 'unknown' | 'supported' | 'unsupported' = 'unknown';

  constructor(options: RedisStoreOptions) {
    if (typeof options?.sendCommand !== 'function') throw new TypeError('RedisStore: sendCommand must be a function');
    this.send = options.sendCommand;
    this.prefix = options.prefix ?? 'maiagent-webhook:';
    this.ttlMs = milliseconds(options.ttlMs ?? 24 * 60 * 60 * 1000, 'ttlMs');
    this.ttl = String(this.ttlMs);
    this.claimTtl = String(milliseconds(options.claimTtlMs ?? 5 * 60 * 1000, 'claimTtlMs'));
  }

  async claim(key: string, attempt: string): Promise<ClaimState> {
    const redisKey = this.prefix + key;
    const own = IN_FLIGHT + attempt;
    if (this.setGet !== 'unsupported') {
      try {
        const previous = await this.send(['SET', redisKey, own, 'NX', 'PX', this.claimTtl, 'GET']);
        this.setGet = 'supported';
        return stateOf(previous, own);
      } catch (error) {
        if (this.setGet === 'supported' || !refusesSyntax(error)) throw error;
        this.setGet = 'unsupported';
      }
    }
    const set = await this.send(['SET', redisKey, own, 'NX', 'PX', this.claimTtl]);
    if (set === 'OK') return 'claimed';
    // Gone between the two commands (a release or an expiry): say "in flight", and the platform's retry claims it.
    return stateOf((await this.send(['GET', redisKey])) ?? IN_FLIGHT, own);
  }

  async complete(key: string, _attempt?: string): Promise<void> {
    await this.send(['SET', this.prefix + key, DONE, 'PX', this.ttl]);
  }

  async release(key: string, attempt: string): Promise<void> {
    await this.send(['EVAL', RELEASE_IF_OWNED, '1', this.prefix + key, IN_FLIGHT + attempt]);
  }
}

/**
 * The key a command works on, for a Redis Cluster client that routes each command by a key it is given:
 * node-redis `createCluster`, `(args) => cluster.sendCommand(commandKey(args), false, args)`. The key of `EVAL` is
 * after its script and key count, not its first argument (routing the script's text bounces from shard to shard).
 */
export function commandKey(args: readonly string[]): string | undefined {
  if (/^(EVAL|EVALSHA|EVAL_RO|EVALSHA_RO|FCALL|FCALL_RO)$/i.test(args[0] ?? '')) return Number(args[2]) > 0 ? args[3] : undefined;
  return args[1];
}

/**
 * A claim's state from the value the key held before it (`null`: nothing, so this claim took it). The attempt's own
 * claim is its own: a client that lost the reply to the first `SET NX` and sent it again reads it back.
 */
function stateOf(previous: unknown, own: string): ClaimState {
  if (previous === null || previous === undefined || previous === own) return 'claimed';
  return previous === DONE ? 'done' : 'in_flight';
}

/** Redis before 7.0 answers `SET` with both `NX` and `GET` with this error reply, and sets nothing. */
function refusesSyntax(error: unknown): boolean {
  return error instanceof Error && /syntax error/i.test(error.message);
}

function milliseconds(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`RedisStore: ${name} must be a positive whole number of milliseconds`);
  return value;
}
