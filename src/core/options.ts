import { createTokenCheck, type TokenCheck } from './auth';
import { parseByteSize } from './bytes';
import { isPromiseLike } from './eventually';
import type { BodyLimits } from './body';
import { isDedupeStore, type DedupeStore } from './store';
import type { Preset, Reply } from './preset';
import { deliveryObserver, type DeliveryObserver } from './observer';
import { enqueueWithin, isDeliverySink, type DeliverySink } from './sink';
import { isReplyListener, type ReplyListener } from './replies';
import { fixedOutcomes, type ErrorCode, type FixedCode } from './outcomes';
import type { Outcome, OutcomeCode, Problem } from './types';

/** The options of either factory: everything in common, and either a callback (`onMessage`) or a sink (`deliverTo`). */
export type WebhookOptions<Message> = CommonOptions & (InlineOptions<Message> | QueuedOptions);

export interface InlineOptions<Message> {
  /** Called once per accepted delivery. Resolve to answer 200; throw or reject to have the platform retry. */
  onMessage: (message: Message, context: DeliveryContext) => unknown;
  deliverTo?: undefined;
}

export interface QueuedOptions {
  /**
   * Instead of `onMessage`: hand each accepted delivery to a sink (a queue) and answer 200 once it confirms, 503
   * `queue_unavailable` if it fails or outlives `timeoutMs`. See `maiagent-webhook/bullmq`.
   */
  deliverTo: DeliverySink;
  onMessage?: undefined;
}

export interface CommonOptions {
  /**
   * The shared secret the platform presents, as `Authorization: Bearer <token>` or as `?token=` in the URL.
   * An array accepts any of several (rotation). Required: pass `false` to accept unauthenticated deliveries,
   * which lets anyone who finds the URL inject replies. A function returning any of these is called at the first
   * delivery instead of now, for builds that load the module without the secret (`next build`); while it returns
   * nothing usable, every delivery is answered 500 `internal_error` and logged.
   */
  authToken?: TokenSetting | (() => TokenSetting) | undefined;
  /** Hears of every delivery answered with a non-2xx status. Errors it throws are swallowed. */
  onRejected?: ((rejection: Rejection) => unknown) | undefined;
  /**
   * Hears of every delivery once, 2xx included, when its work is over: after the answer and after the store has
   * recorded it, so `warnings` is complete. Never given the body or the token. Errors it throws are swallowed.
   */
  onOutcome?: ((outcome: DeliveryOutcome) => unknown) | undefined;
  /**
   * Where the few lines worth reading in production go: one for each failure the platform will retry
   * (`handler_failed`, `internal_error` as errors; `handler_timeout`, `store_unavailable`, `queue_unavailable` as
   * warnings) and each warning to act on (`store_record_failed`, `dedupe_evicted_early`, `close_timeout`,
   * `unauthenticated`). Never the body, the headers or the token. Any object with `warn` and `error` (and `debug`,
   * `info`) fits: console, pino. Default: `console.warn` and `console.error`. `false` writes nothing. A logger
   * that throws changes nothing.
   */
  log?: Partial<Logger> | false | undefined;
  /**
   * Where each delivered reply is published, once it was delivered: a `ReplyHub` from `maiagent-webhook/client`, so
   * the code that sent a message can await its reply (`client.ask`). Every reply still goes to `onMessage`.
   */
  replies?: ReplyListener | undefined;
  /** Largest body accepted, in bytes or as a size such as `'2mb'`. Default `'1mb'`. */
  limit?: number | string | undefined;
  /**
   * The budget of a delivery from its store claim on: the claim and `onMessage` together get this long before the
   * platform is answered 503 (and `signal` aborts). Each later store write gets as long again. Default 10000.
   */
  timeoutMs?: number | undefined;
  /** How long the whole body may take to arrive before the answer is 408 and the connection closes. Default 10000. */
  bodyTimeoutMs?: number | undefined;
  /**
   * Where delivered message ids are remembered, so a retry of a delivered reply is answered 200 without calling
   * `onMessage` again. Default: a `MemoryStore` of this process; with `deliverTo`, none (the queue's job id
   * dedupes). `false` turns deduplication off.
   */
  store?: DedupeStore | false | undefined;
}

export type TokenSetting = string | readonly string[] | false | undefined;

export interface DeliveryContext {
  /** The body as received (for express.json()-parsed bodies, re-serialized: the exact bytes are gone). */
  rawBody: string;
  /** Aborts when `timeoutMs` passes: hand it to fetch() and friends so abandoned work stops. */
  signal: AbortSignal;
  /** The same facts under the same names whatever the platform: id, conversationId, text, createdAt. */
  reply: Reply;
}

export interface Rejection {
  code: ErrorCode;
  status: number;
  /** The fixed, public description of the code (never the user's error text). */
  message: string;
  /** The body text, when it was read before the delivery was turned away. */
  rawBody?: string;
  /** For `invalid_payload`: where the body failed validation. */
  problems?: readonly Problem[];
  /** For `handler_failed`: what `onMessage` threw; for `store_unavailable` and `queue_unavailable`: what the store or the sink threw. */
  error?: unknown;
}

/** One delivery, as `onOutcome` hears of it. */
export interface DeliveryOutcome {
  code: OutcomeCode;
  status: number;
  platform: Reply['platform'];
  /** Known once the body passed validation. */
  messageId?: string;
  conversationId?: string;
  /** From the start of the request to its answer. */
  durationMs: number;
  /** What went wrong without changing the answer; empty for most deliveries. */
  warnings: readonly DeliveryWarning[];
}

export type DeliveryWarning =
  /**
   * A store write after the callback (complete or release) still failed after its retries, or a claim granted
   * after its 503 store_unavailable could not be freed (release).
   */
  | { code: 'store_record_failed'; step: 'complete' | 'release'; error: unknown }
  /** The memory store forgot succeeded ids before its `ttlMs` to stay within `maxEntries`: their retries would run again. */
  | { code: 'dedupe_evicted_early'; evicted: number }
  /** The body named two different conversations (`conversation` and `conversation_id`); `conversation` was used. */
  | { code: 'conflicting_conversation_ids' }
  /**
   * The body's timestamp (`field`) was missing, null or unreadable: the message carries the time the delivery was
   * received instead.
   */
  | { code: 'timestamp_replaced'; field: 'created_at' | 'createdAt' | 'create_time' };

/** The shape console, pino and bunyan share: a fields object first, then the message. */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const DEFAULT_LIMIT = '1mb';
/**
 * Below the 10-30 s that webhook senders commonly wait for an answer, so the platform hears 503 and retries
 * instead of timing out on its own with the outcome unknown.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface ResolvedConfig<Message> {
  readonly preset: Preset<Message>;
  readonly checkToken: TokenCheck;
  readonly body: BodyLimits;
  readonly timeoutMs: number;
  /** What runs each accepted delivery: the callback, or the sink's enqueue, and how each ending is answered. */
  readonly target: DeliveryTarget<Message>;
  readonly onRejected: ((rejection: Rejection) => unknown) | undefined;
  readonly onOutcome: ((outcome: DeliveryOutcome) => unknown) | undefined;
  readonly log: Logger;
  /** Each configured token in a text written `[redacted]`: for whatever this package writes beyond the log (a span). */
  readonly redact: (text: string) => string;
  readonly replies: ReplyListener | undefined;
  readonly observer: DeliveryObserver;
  readonly store: DedupeStore | undefined;
  /** Every answer but `invalid_payload`'s, made once: the 200s with the platform's acknowledgement body, the refusals. */
  readonly answers: Readonly<Record<FixedCode, Outcome>>;
}

export const OPTION_NAMES: readonly string[] = Object.freeze(['authToken', 'bodyTimeoutMs', 'deliverTo', 'log', 'onMessage', 'onOutcome', 'onRejected', 'limit', 'replies', 'store', 'timeoutMs']);
const KNOWN_OPTIONS = new Set(OPTION_NAMES);

/** Checks the caller's options once, at start-up, into a frozen config; the caller's object is never written to. */
export function resolveOptions<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): ResolvedConfig<Message> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${preset.factoryName}(options): options must be an object`);
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.has(key));
  if (unknown.length > 0) throw new TypeError(`${preset.factoryName}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}`);
  const timeoutMs = resolveTimeout(preset, 'timeoutMs', options.timeoutMs);
  const target = resolveTarget(preset, options, timeoutMs);
  for (const hook of ['onRejected', 'onOutcome'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') throw new TypeError(`${preset.factoryName}: ${hook} must be a function`);
  }
  const { authToken } = options;
  // A function is read at the first delivery (a build without the secret must still load the module).
  const tokens = typeof authToken === 'function' ? authToken : resolveTokens(preset, authToken);
  const redact = redactorOf(tokens);
  const log = withoutTokens(resolveLog(preset, options.log), redact);
  if (tokens === false) warnUnauthenticated(preset, log);
  return Object.freeze({
    preset,
    checkToken: typeof tokens === 'function' ? tokenCheckAtFirstDelivery(preset, tokens) : createTokenCheck(tokens, preset.authSchemes),
    body: Object.freeze({
      limit: parseByteSize(options.limit ?? DEFAULT_LIMIT, `${preset.factoryName}: limit`),
      timeoutMs: resolveTimeout(preset, 'bodyTimeoutMs', options.bodyTimeoutMs),
    }),
    timeoutMs,
    target,
    onRejected: options.onRejected,
    onOutcome: options.onOutcome,
    log,
    redact,
    replies: resolveReplies(preset, options.replies),
    observer: deliveryObserver(),
    store: resolveStore(preset, options.store),
    answers: fixedOutcomes({ ackBody: preset.ackBody, challenge: challenge(preset), retryAfterSeconds: Math.ceil(timeoutMs / 1000) }),
  });
}

function challenge(preset: Preset<unknown>): string {
  const scheme = preset.authSchemes[0] === 'basic' ? 'Basic' : 'Bearer';
  return `${scheme} realm="${preset.platform}-webhook"`;
}

/** Throws (so the delivery is answered 500, never accepted) until the function gives a usable token. */
function tokenCheckAtFirstDelivery(preset: Preset<unknown>, authToken: () => TokenSetting): TokenCheck {
  let check: TokenCheck | undefined;
  return (request) => (check ??= createTokenCheck(resolveTokens(preset, authToken()), preset.authSchemes))(request);
}

function resolveTokens(preset: Preset<unknown>, authToken: TokenSetting): readonly string[] | false {
  if (authToken === false) return false;
  const tokens = typeof authToken === 'string' ? [authToken] : authToken;
  if (!Array.isArray(tokens) || tokens.length === 0 || !tokens.every((t) => typeof t === 'string' && t.trim() !== '')) {
    throw new TypeError(
      `${preset.factoryName}: authToken must be a non-empty string or an array of them ` +
        `(is ${preset.tokenEnv} set?); pass authToken: false to accept unauthenticated deliveries (unsafe)`,
    );
  }
  // Surrounding whitespace (a trailing newline from a secrets file) is never part of a token.
  return Object.freeze(tokens.map((token) => token.trim()));
}

function resolveReplies(preset: Preset<unknown>, replies: CommonOptions['replies']): ReplyListener | undefined {
  if (replies === undefined) return undefined;
  if (!isReplyListener(replies)) throw new TypeError(`${preset.factoryName}: replies must have a publish method (a ReplyHub)`);
  return replies;
}

/** Once per receiver: a webhook that accepts anyone's deliveries is worth one line at start-up. */
function warnUnauthenticated(preset: Preset<unknown>, log: Logger): void {
  log.warn(
    { code: 'unauthenticated', platform: preset.platform },
    `maiagent-webhook: unauthenticated (${preset.factoryName}): authToken is false, so anyone who finds this URL can deliver replies; set ${preset.tokenEnv}`,
  );
}

function resolveLog(preset: Preset<unknown>, log: WebhookOptions<unknown>['log']): Logger {
  if (log === false) return SILENT;
  if (log === undefined) return CONSOLE;
  if (typeof log !== 'object' || log === null) throw new TypeError(`${preset.factoryName}: log must be an object with warn and error methods, or false`);
  // Called as methods of the user's object, so a logger that reads `this` (pino) keeps working.
  const level = (name: keyof Logger) => (typeof log[name] === 'function' ? guarded((fields, message) => log[name]?.(fields, message)) : CONSOLE[name]);
  return Object.freeze({ debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') });
}

type LogLine = Logger['warn'];

const REDACTED = '[redacted]';

/** Replaces each configured token in a text (tokens given by a function: those it gives now) with `[redacted]`. */
function redactorOf(tokens: readonly string[] | false | (() => TokenSetting)): (text: string) => string {
  if (tokens === false) return (text) => text;
  const current = typeof tokens === 'function' ? () => usableTokens(tokens()) : () => tokens;
  return (text) => current().reduce((redacted, token) => redacted.split(token).join(REDACTED), text);
}

/**
 * No line carries a token, not even inside an error's message that echoes it (a client that puts the URL it called,
 * `?token=` and all, in its error): every string the line holds has each configured token replaced.
 */
function withoutTokens(log: Logger, redact: (text: string) => string): Logger {
  if (log === SILENT) return log;
  const redactFields = (fields: object) => Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? redact(value) : value]));
  const level = (write: LogLine): LogLine => (fields, message) => write(redactFields(fields), redact(message));
  return Object.freeze({ debug: level(log.debug), info: level(log.info), warn: level(log.warn), error: level(log.error) });
}

/** The tokens a function gives now, for redaction only: whatever it returns, never a throw. */
function usableTokens(setting: TokenSetting): readonly string[] {
  const tokens: unknown[] = typeof setting === 'string' ? [setting] : Array.isArray(setting) ? setting : [];
  return tokens.filter((token): token is string => typeof token === 'string' && token.trim() !== '').map((token) => token.trim());
}

/**
 * A logger that throws (or, writing to an async transport, rejects) changes nothing, as a hook that throws changes
 * nothing: there is nowhere left to say so.
 */
function guarded(write: (fields: object, message: string) => unknown): LogLine {
  return (fields, message) => {
    try {
      const written = write(fields, message);
      // A rejection nobody handles would end the process.
      if (isPromiseLike(written)) Promise.resolve(written).catch(nothing);
    } catch {
      // Swallowed: a broken logger must not turn a clear answer into a crash.
    }
  };
}

function nothing(): void {}

const SILENT: Logger = Object.freeze({ debug: nothing, info: nothing, warn: nothing, error: nothing });

// As @octokit/webhooks does: warnings and errors reach the console unless told otherwise, the rest stays quiet.
// The message alone, one line that already names the code, the message id and the error: the fields are for
// structured loggers, and the console would spread them over several lines.
const CONSOLE: Logger = Object.freeze({
  debug: nothing,
  info: nothing,
  // eslint-disable-next-line no-console -- the default destination of the log option
  warn: guarded((_fields, message) => console.warn(message)),
  // eslint-disable-next-line no-console -- the default destination of the log option
  error: guarded((_fields, message) => console.error(message)),
});

export interface DeliveryTarget<Message> {
  /** `receivedAt` (epoch ms) reaches the sink only: a job's time received is the one the message was folded with. */
  readonly run: (message: Message, context: DeliveryContext, receivedAt?: number) => unknown;
  /** Whether `run` hands the delivery to a sink (no callback runs here). */
  readonly queued: boolean;
  readonly succeeded: 'delivered' | 'enqueued';
  readonly failed: 'handler_failed' | 'queue_unavailable';
  readonly late: 'handler_timeout' | 'queue_unavailable';
}

function resolveTarget<Message>(preset: Preset<Message>, options: WebhookOptions<Message>, timeoutMs: number): DeliveryTarget<Message> {
  const { onMessage, deliverTo } = options;
  if (onMessage !== undefined && deliverTo !== undefined) throw new TypeError(`${preset.factoryName}: pass onMessage or deliverTo, not both`);
  if (deliverTo !== undefined) {
    if (!isDeliverySink(deliverTo)) throw new TypeError(`${preset.factoryName}: deliverTo must have an enqueue method`);
    const enqueue = enqueueWithin(deliverTo, timeoutMs);
    const run = (_message: Message, context: DeliveryContext, receivedAt = Date.now()) => enqueue(context, receivedAt);
    return Object.freeze({ run, queued: true, succeeded: 'enqueued', failed: 'queue_unavailable', late: 'queue_unavailable' });
  }
  if (typeof onMessage !== 'function') throw new TypeError(`${preset.factoryName}: onMessage must be a function (or pass deliverTo)`);
  return Object.freeze({ run: onMessage, queued: false, succeeded: 'delivered', failed: 'handler_failed', late: 'handler_timeout' });
}

function resolveStore(preset: Preset<unknown>, store: WebhookOptions<unknown>['store']): DedupeStore | undefined {
  // The default store is filled in where the factories are assembled (presets/factories.ts), not here.
  if (store === false || store === undefined) return undefined;
  if (!isDedupeStore(store)) throw new TypeError(`${preset.factoryName}: store must have claim, complete and release methods, or be false`);
  return store;
}

function resolveTimeout(preset: Preset<unknown>, name: 'timeoutMs' | 'bodyTimeoutMs', timeoutMs: number | undefined): number {
  const value = timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // setTimeout cannot wait longer than 2^31-1 ms.
  if (!Number.isInteger(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new TypeError(`${preset.factoryName}: ${name} must be a whole number of milliseconds from 1 to ${2 ** 31 - 1} (the longest a timer waits), not ${String(value)}`);
  }
  return value;
}
