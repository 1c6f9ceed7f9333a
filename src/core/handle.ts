import { isJsonContentType, readJsonBody } from './body';
import { dispatch, isPromiseLike, type DispatchResult, type Eventually } from './dispatch';
import { errorOutcome, OUTCOMES, successOutcome, type ErrorCode } from './outcomes';
import { resolveOptions, type ResolvedConfig, type WebhookOptions } from './options';
import { validatePayload } from './validate';
import type { Preset, Reply } from '../presets/preset';
import type { Outcome, Problem, WebhookRequest } from './types';

export interface Closable {
  /**
   * Stops taking deliveries (each is answered 503, so the platform retries later) and resolves once every
   * callback already running has settled and its outcome is recorded in the store.
   */
  close(): Promise<void>;
}

/** The framework-free webhook: a request in, an outcome out. */
export interface WebhookHandler extends Closable {
  (request: WebhookRequest): Promise<Outcome>;
}

/** Resolves the options once, then turns each request into an outcome. */
export function createWebhookHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): WebhookHandler {
  const config = resolveOptions(preset, options);
  const state = new DeliveryState();
  const handle = (request: WebhookRequest): Promise<Outcome> =>
    handleDelivery(config, state, request).catch((error: unknown) => reject(config, errorOutcome('internal_error'), { error }));
  return Object.assign(handle, { close: () => state.close() });
}

/** Whether the handler still takes deliveries, and how many callbacks are still running (for `close`). */
class DeliveryState {
  private closing = false;
  private running = 0;
  private drained: (() => void) | undefined;

  isClosing(): boolean {
    return this.closing;
  }

  /** Counts a callback until it has settled and been recorded; a counter, so the common case allocates nothing. */
  track(settling: Eventually<unknown>): void {
    if (!isPromiseLike(settling)) return;
    this.running += 1;
    void settling.then(() => {
      this.running -= 1;
      if (this.running === 0) this.drained?.();
    });
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }
}

const ALLOW_POST = Object.freeze({ allow: 'POST' });

/** A delivery that passed every check, ready for the callback. */
interface Accepted<Message> {
  message: Message;
  reply: Reply;
  rawBody: string;
  /** The dedupe key: the platform and its message id. */
  key: string;
}

/** Each step returns early with its outcome; the cheap checks run before a byte of the body is read. */
async function handleDelivery<Message>(config: ResolvedConfig<Message>, state: DeliveryState, request: WebhookRequest): Promise<Outcome> {
  const refused = refuseBeforeReading(config, state, request);
  if (refused) return refused;
  const accepted = await readDelivery(config, request);
  if (!('key' in accepted)) return accepted;
  const claimed = config.store ? await claim(config, accepted) : undefined;
  if (claimed) return claimed;
  return deliver(config, state, accepted);
}

function refuseBeforeReading<Message>(config: ResolvedConfig<Message>, state: DeliveryState, request: WebhookRequest): Outcome | undefined {
  if (state.isClosing()) return reject(config, errorOutcome('shutting_down', { headers: retryAfter(config.timeoutMs) }));
  if (request.method !== 'POST') return reject(config, errorOutcome('method_not_allowed', { headers: ALLOW_POST }));
  if (!config.checkToken(request)) return reject(config, errorOutcome('unauthorized', { headers: challenge(config) }));
  if (!isJsonContentType(request.header('content-type'))) return reject(config, errorOutcome('unsupported_media_type'));
  return undefined;
}

/** Body, probe, validation, folding: an accepted delivery, or the outcome that turns it away. */
async function readDelivery<Message>(config: ResolvedConfig<Message>, request: WebhookRequest): Promise<Accepted<Message> | Outcome> {
  const body = await readJsonBody(request, config.body);
  if (!body.ok) return reject(config, errorOutcome(body.code, { headers: headersFor(body.code) }), { rawBody: body.rawBody });
  const rawBody = body.rawBody;
  if (config.preset.isProbe(body.value)) return successOutcome('probe_acknowledged', config.preset.ackBody);
  const validation = validatePayload(config.preset.validator, body.value);
  if (!validation.ok) {
    const { problems } = validation;
    return reject(config, errorOutcome('invalid_payload', { problems }), { rawBody, problems });
  }
  const message = config.preset.toMessage(body.value);
  const reply = config.preset.toReply(message);
  return { message, reply, rawBody, key: `${reply.platform}:${reply.id}` };
}

/** Claims the id in the store: undefined when this attempt may run the callback, else the answer to give. */
async function claim<Message>(config: ResolvedConfig<Message>, { key, rawBody }: Accepted<Message>): Promise<Outcome | undefined> {
  let state;
  try {
    state = await config.store?.claim(key);
  } catch (error) {
    return reject(config, errorOutcome('store_unavailable', { headers: retryAfter(config.timeoutMs) }), { rawBody, error });
  }
  if (state === 'done') return successOutcome('duplicate', config.preset.ackBody);
  if (state === 'in_flight') return reject(config, errorOutcome('in_progress', { headers: retryAfter(config.timeoutMs) }), { rawBody });
  return undefined;
}

/** Runs the callback and answers from its outcome; the store follows the callback itself, however late. */
async function deliver<Message>(config: ResolvedConfig<Message>, state: DeliveryState, accepted: Accepted<Message>): Promise<Outcome> {
  const { message, reply, rawBody, key } = accepted;
  const store = config.store;
  // Checked again just before the callback: close() may have been called while the body or the claim was awaited.
  if (state.isClosing()) {
    if (store) await recordInStore(store, key, CLOSED_BEFORE_START);
    return reject(config, errorOutcome('shutting_down', { headers: retryAfter(config.timeoutMs) }), { rawBody });
  }
  const { result, settled } = dispatch(config.onMessage, message, { rawBody, reply }, config.timeoutMs);
  // One that outlives timeoutMs keeps its claim until it settles, then marks it done or frees it.
  const recorded = store ? then(settled, (outcome) => recordInStore(store, key, outcome)) : settled;
  state.track(recorded);
  const first = isPromiseLike(result) ? await result : result;
  if (first.kind === 'timeout') return reject(config, errorOutcome('handler_timeout', { headers: retryAfter(config.timeoutMs) }), { rawBody });
  // The answer waits for the store, so a retry arriving right after it already meets 'done' (or a free claim).
  if (isPromiseLike(recorded)) await recorded;
  if (first.kind === 'failed') return reject(config, errorOutcome('handler_failed'), { rawBody, error: first.error });
  return successOutcome('delivered', config.preset.ackBody);
}

/** Frees a claim whose callback never started. */
const CLOSED_BEFORE_START: DispatchResult = Object.freeze({ kind: 'failed', error: undefined });

/**
 * Marks the id done after a success, or frees it after a failure. A store error here cannot change an answer
 * already decided by the callback: a success stays a success (the retry of a claim left behind meets 409 until
 * the store's claim expires), and it never becomes an unhandled rejection.
 */
function recordInStore(store: NonNullable<ResolvedConfig<unknown>['store']>, key: string, outcome: DispatchResult): Eventually<void> {
  const leaveTheClaimToExpire = (): void => {};
  try {
    const recorded = outcome.kind === 'ok' ? store.complete(key) : store.release(key);
    return isPromiseLike(recorded) ? Promise.resolve(recorded).catch(leaveTheClaimToExpire) : undefined;
  } catch {
    return leaveTheClaimToExpire();
  }
}

/** `then` for a value that may not be a promise yet, without making it one when it is not. */
function then<T, U>(value: Eventually<T>, next: (value: T) => Eventually<U>): Eventually<U> {
  return isPromiseLike(value) ? value.then(next) : next(value);
}

// The rest of an oversized body is never read: closing the connection keeps it from being read as the next request.
const CLOSE = Object.freeze({ connection: 'close' });

function headersFor(code: ErrorCode): Record<string, string> | undefined {
  return code === 'payload_too_large' || code === 'body_timeout' ? CLOSE : undefined;
}

function challenge<Message>(config: ResolvedConfig<Message>): Record<string, string> {
  const scheme = config.preset.authSchemes[0] === 'basic' ? 'Basic' : 'Bearer';
  return { 'www-authenticate': `${scheme} realm="${config.preset.platform}-webhook"` };
}

function retryAfter(timeoutMs: number): Record<string, string> {
  // Come back after about as long as a callback is given: by then the one running has likely finished.
  return { 'retry-after': String(Math.ceil(timeoutMs / 1000)) };
}

interface RejectionDetails {
  rawBody?: string | undefined;
  problems?: readonly Problem[];
  error?: unknown;
}

/** Every non-2xx outcome passes here, so `onRejected` hears of each one; a failing hook changes nothing. */
function reject<Message>(config: ResolvedConfig<Message>, outcome: Outcome, details: RejectionDetails = {}): Outcome {
  const hook = config.onRejected;
  if (hook) {
    const code = outcome.code as ErrorCode;
    try {
      const returned = hook({ code, status: outcome.status, message: OUTCOMES[code].message, ...withoutUndefined(details) });
      if (returned instanceof Promise) returned.catch(ignore);
    } catch {
      // A broken hook must not turn a clear answer into a crash.
    }
  }
  return outcome;
}

function withoutUndefined(details: RejectionDetails): RejectionDetails {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

function ignore(): void {}
