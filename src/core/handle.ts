import { isJsonContentType, readJsonBody } from './body';
import { dispatch, isPromiseLike, type DispatchResult, type Eventually } from './dispatch';
import { errorOutcome, OUTCOMES, successOutcome, type ErrorCode } from './outcomes';
import { resolveOptions, type ResolvedConfig, type WebhookOptions } from './options';
import { validatePayload } from './validate';
import type { Preset } from '../presets/preset';
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

/** Each step returns early with its outcome; the cheap checks run before a byte of the body is read. */
async function handleDelivery<Message>(config: ResolvedConfig<Message>, state: DeliveryState, request: WebhookRequest): Promise<Outcome> {
  if (state.isClosing()) return reject(config, errorOutcome('shutting_down', { headers: retryAfter(config.timeoutMs) }));
  if (request.method !== 'POST') return reject(config, errorOutcome('method_not_allowed', { headers: ALLOW_POST }));
  if (!config.checkToken(request)) return reject(config, errorOutcome('unauthorized', { headers: challenge(config) }));
  if (!isJsonContentType(request.header('content-type'))) return reject(config, errorOutcome('unsupported_media_type'));

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
  const key = `${reply.platform}:${reply.id}`;
  const store = config.store;
  if (store) {
    let claim;
    try {
      claim = await store.claim(key);
    } catch (error) {
      return reject(config, errorOutcome('store_unavailable', { headers: retryAfter(config.timeoutMs) }), { rawBody, error });
    }
    if (claim === 'done') return successOutcome('duplicate', config.preset.ackBody);
    if (claim === 'in_flight') return reject(config, errorOutcome('in_progress', { headers: retryAfter(config.timeoutMs) }), { rawBody });
  }
  // Checked again just before the callback: close() may have been called while the body or the claim was awaited.
  if (state.isClosing()) {
    if (store) await recordInStore(store, key, CLOSED_BEFORE_START);
    return reject(config, errorOutcome('shutting_down', { headers: retryAfter(config.timeoutMs) }), { rawBody });
  }

  const { result, settled } = dispatch(config.onMessage, message, { rawBody, reply }, config.timeoutMs);
  // The claim follows the callback itself, not the answer: one that outlives timeoutMs keeps it until it settles.
  const recorded = store ? then(settled, (outcome) => recordInStore(store, key, outcome)) : settled;
  state.track(recorded);
  const first = isPromiseLike(result) ? await result : result;
  switch (first.kind) {
    case 'ok':
      if (isPromiseLike(recorded)) await recorded;
      return successOutcome('delivered', config.preset.ackBody);
    case 'failed':
      if (isPromiseLike(recorded)) await recorded;
      return reject(config, errorOutcome('handler_failed'), { rawBody, error: first.error });
    case 'timeout':
      return reject(config, errorOutcome('handler_timeout', { headers: retryAfter(config.timeoutMs) }), { rawBody });
  }
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
