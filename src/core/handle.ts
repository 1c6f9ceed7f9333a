import { isJsonContentType, readJsonBody, type BodyResult } from './body';
import { DeadlineQueue, type Deadline } from './deadlines';
import { CallbackContext, runCallback, type CallbackResult } from './dispatch';
import { isPromiseLike, type Eventually } from './eventually';
import type { ClaimState, DedupeStore } from './store';
import { errorOutcome, OUTCOMES, type ErrorCode } from './outcomes';
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

/** Where an outcome goes: called once per request. */
export type Answer = (outcome: Outcome) => void;

/** The framework-free webhook: a request in, an outcome out. */
export interface WebhookHandler extends Closable {
  /** Calls `answer` once with the outcome: at once when nothing had to be waited for, later otherwise. Never throws. */
  (request: WebhookRequest, answer: Answer): void;
}

/** Resolves the options once, then turns each request into an outcome. */
export function createWebhookHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): WebhookHandler {
  const config = resolveOptions(preset, options);
  const state = new HandlerState(config.body.timeoutMs, config.timeoutMs);
  const handle = (request: WebhookRequest, answer: Answer): void => new Delivery(config, state, answer).start(request);
  return Object.assign(handle, { close: () => state.close() });
}

/** What a handler keeps between requests: whether it still takes deliveries, what is running, the deadlines. */
class HandlerState {
  readonly bodyDeadlines: DeadlineQueue;
  readonly callbackDeadlines: DeadlineQueue;
  private closing = false;
  /** Callbacks not yet settled and recorded: a counter, so the common case allocates nothing. */
  private running = 0;
  private drained: (() => void) | undefined;

  constructor(bodyTimeoutMs: number, callbackTimeoutMs: number) {
    this.bodyDeadlines = new DeadlineQueue(bodyTimeoutMs);
    this.callbackDeadlines = new DeadlineQueue(callbackTimeoutMs);
  }

  isClosing(): boolean {
    return this.closing;
  }

  started(): void {
    this.running += 1;
  }

  finished(): void {
    this.running -= 1;
    if (this.running === 0) this.drained?.();
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

/** A delivery that passed every check, ready for the callback. */
interface Accepted<Message> {
  message: Message;
  reply: Reply;
  rawBody: string;
  /** The dedupe key: the platform and its message id. */
  key: string;
}

/**
 * One request on its way to an outcome. The cheap checks run before a byte of the body is read; each step then
 * answers or hands on to the next, at once when it can and from a callback when it must wait (the body, the
 * store, the callback). A step resumed from a callback catches what it throws and answers 500, so nothing escapes
 * into the event loop, and the answer is given once: whatever comes after it (a callback that settles after its
 * deadline) only tidies up.
 */
class Delivery<Message> {
  private answered = false;
  private accepted: Accepted<Message> | undefined;
  private deadline: Deadline | undefined;

  constructor(
    private readonly config: ResolvedConfig<Message>,
    private readonly state: HandlerState,
    private readonly answer: Answer,
  ) {}

  start(request: WebhookRequest): void {
    try {
      const refused = refuseBeforeReading(this.config, this.state, request);
      if (refused) return this.finish(refused);
      readJsonBody(request, this.config.body.limit, this.state.bodyDeadlines, (body) => this.bodyRead(body));
    } catch (error) {
      this.failInternally(error);
    }
  }

  private bodyRead(body: BodyResult): void {
    try {
      const accepted = accept(this.config, body);
      if (!('key' in accepted)) return this.finish(accepted);
      this.accepted = accepted;
      const store = this.config.store;
      if (!store) return this.deliver(accepted);
      const refused = claim(this.config, store, accepted);
      if (isPromiseLike(refused)) refused.then((answer) => this.claimAnswered(answer));
      else this.claimAnswered(refused);
    } catch (error) {
      this.failInternally(error);
    }
  }

  private claimAnswered(refused: Outcome | undefined): void {
    try {
      if (refused) this.finish(refused);
      else this.deliver(this.accepted as Accepted<Message>);
    } catch (error) {
      this.failInternally(error);
    }
  }

  /** Runs the callback; the answer waits for it to settle and be recorded, or for its deadline, whichever is first. */
  private deliver(accepted: Accepted<Message>): void {
    const { config, state } = this;
    // Checked again just before the callback: close() may have been called while the body or the claim was awaited.
    if (state.isClosing()) {
      state.started();
      this.settled(CLOSED_BEFORE_START, config.answers.shutting_down);
      return;
    }
    const context = new CallbackContext(accepted.rawBody, accepted.reply, config.timeoutMs);
    state.started();
    const running = runCallback(config.onMessage, accepted.message, context, (result) => this.settled(result));
    if (running) this.deadline = state.callbackDeadlines.add(() => this.expire(context));
  }

  /**
   * The store follows the callback itself, however late: marked done after a success, freed otherwise. The answer
   * waits for the store, so a retry arriving right after it already meets 'done' (or a free claim).
   */
  private settled(result: CallbackResult, answerInstead?: Outcome): void {
    try {
      this.deadline?.cancel();
      const recorded = recordInStore(this.config.store, (this.accepted as Accepted<Message>).key, result);
      if (isPromiseLike(recorded)) recorded.then(() => this.recorded(result, answerInstead));
      else this.recorded(result, answerInstead);
    } catch (error) {
      this.failInternally(error);
    }
  }

  private recorded(result: CallbackResult, answerInstead: Outcome | undefined): void {
    this.state.finished();
    if (this.answered) return;
    try {
      const { rawBody } = this.accepted as Accepted<Message>;
      this.finish(answerInstead ? reject(this.config, answerInstead, { rawBody }) : answerFor(this.config, result, rawBody));
    } catch (error) {
      this.failInternally(error);
    }
  }

  /** The callback outlived `timeoutMs`: answer 503 now; it keeps its claim until it settles. */
  private expire(context: CallbackContext): void {
    try {
      this.finish(reject(this.config, this.config.answers.handler_timeout, { rawBody: this.accepted?.rawBody }));
      CallbackContext.expire(context);
    } catch (error) {
      this.failInternally(error);
    }
  }

  private finish(outcome: Outcome): void {
    if (this.answered) return;
    this.answered = true;
    this.answer(outcome);
  }

  private failInternally(error: unknown): void {
    if (!this.answered) this.finish(reject(this.config, this.config.answers.internal_error, { error }));
  }
}

function refuseBeforeReading<Message>(config: ResolvedConfig<Message>, state: HandlerState, request: WebhookRequest): Outcome | undefined {
  if (state.isClosing()) return reject(config, config.answers.shutting_down);
  if (request.method !== 'POST') return reject(config, config.answers.method_not_allowed);
  if (!config.checkToken(request)) return reject(config, config.answers.unauthorized);
  if (!isJsonContentType(request.header('content-type'))) return reject(config, config.answers.unsupported_media_type);
  return undefined;
}

/** Probe, validation, folding: an accepted delivery, or the outcome that turns it away. */
function accept<Message>(config: ResolvedConfig<Message>, body: BodyResult): Accepted<Message> | Outcome {
  if (!body.ok) return reject(config, config.answers[body.code], { rawBody: body.rawBody });
  const rawBody = body.rawBody;
  if (config.preset.isProbe(body.value)) return config.answers.probe_acknowledged;
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
function claim<Message>(config: ResolvedConfig<Message>, store: DedupeStore, { key, rawBody }: Accepted<Message>): Eventually<Outcome | undefined> {
  let claimed: Eventually<ClaimState>;
  try {
    claimed = store.claim(key);
  } catch (error) {
    return storeUnavailable(config, rawBody, error);
  }
  if (!isPromiseLike(claimed)) return answerClaim(config, rawBody, claimed);
  return Promise.resolve(claimed).then(
    (state) => answerClaim(config, rawBody, state),
    (error: unknown) => storeUnavailable(config, rawBody, error),
  );
}

function answerClaim<Message>(config: ResolvedConfig<Message>, rawBody: string, claimed: ClaimState): Outcome | undefined {
  if (claimed === 'done') return config.answers.duplicate;
  if (claimed === 'in_flight') return reject(config, config.answers.in_progress, { rawBody });
  return undefined;
}

function storeUnavailable<Message>(config: ResolvedConfig<Message>, rawBody: string, error: unknown): Outcome {
  return reject(config, config.answers.store_unavailable, { rawBody, error });
}

function answerFor<Message>(config: ResolvedConfig<Message>, result: CallbackResult, rawBody: string): Outcome {
  if (result.kind === 'failed') return reject(config, config.answers.handler_failed, { rawBody, error: result.error });
  return config.answers.delivered;
}

/** Frees a claim whose callback never started. */
const CLOSED_BEFORE_START: CallbackResult = Object.freeze({ kind: 'failed', error: undefined });

/**
 * Marks the id done after a success, or frees it after a failure. A store error here cannot change an answer
 * already decided by the callback: a success stays a success (the retry of a claim left behind meets 409 until
 * the store's claim expires), and it never becomes an unhandled rejection.
 */
function recordInStore(store: DedupeStore | undefined, key: string, result: CallbackResult): Eventually<void> {
  if (!store) return undefined;
  try {
    const recorded = result.kind === 'ok' ? store.complete(key) : store.release(key);
    return isPromiseLike(recorded) ? Promise.resolve(recorded).then(undefined, leaveTheClaimToExpire) : undefined;
  } catch {
    return leaveTheClaimToExpire();
  }
}

function leaveTheClaimToExpire(): void {}

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
