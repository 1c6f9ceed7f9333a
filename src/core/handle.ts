import { isJsonContentType, readJsonBody, type BodyResult } from './body';
import { DeadlineQueue, type Deadline } from './deadlines';
import { CallbackContext, runCallback, type CallbackResult } from './dispatch';
import { attemptIds } from './attempts';
import { isPromiseLike } from './eventually';
import { callbackTrace, type CallbackTrace } from './observer';
import type { ClaimState } from './store';
import type { DeliveredReply } from './replies';
import { recordResult, StoreDownError, StoreTimeoutError } from './store-calls';
import { Breaker } from './breaker';
import { SinkTimeoutError } from './sink';
import { errorOutcome, OUTCOMES, type ErrorCode } from './outcomes';
import { resolveOptions, type DeliveryOutcome, type DeliveryTarget, type DeliveryWarning, type Logger, type ResolvedConfig, type WebhookOptions } from './options';
import { logFailure, logWarnings, type LineAbout } from './log-lines';
import { validatePayload } from './validate';
import type { Preset, Reply } from './preset';
import type { Outcome, Problem, WebhookRequest } from './types';

export interface Closable {
  /**
   * Stops taking deliveries (each is answered 503, so the platform retries later) and resolves once every
   * delivery that reached the store is over: its claim recorded (done or freed), or the bounded retries of that
   * write given up. A claim the store answers after its deadline is waited for too (up to `timeoutMs` more, or up
   * to this call's `timeoutMs` when longer) and freed. A callback is waited for until it settles: `timeoutMs` here
   * bounds that wait.
   */
  close(options?: CloseOptions): Promise<void>;
}

export interface CloseOptions {
  /**
   * The longest `close()` waits for callbacks still running (one that never settles would hold it forever);
   * then it resolves anyway, and the log says how many were left. Every later `close()` without a bound of its own
   * is held to this one (Fastify's `app.close()` after the plugin's `close({ timeoutMs })`). Default: no bound.
   */
  timeoutMs?: number | undefined;
}

/** Where an outcome goes: called once per request. */
export type Answer = (outcome: Outcome) => void;

/** The framework-free webhook: a request in, an outcome out. */
export interface WebhookHandler extends Closable {
  /**
   * Calls `answer` once with the outcome: at once when nothing had to be waited for, later otherwise. Never throws.
   * `over`, when given, is called once the delivery's work is done (answered, and its claim recorded), which may be
   * after the answer: a runtime that ends a request's work with its response (Workers) keeps it alive until then.
   */
  (request: WebhookRequest, answer: Answer, over?: () => void): void;
}

/** Resolves the options once, then turns each request into an outcome. */
export function createWebhookHandler<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): WebhookHandler {
  const config = resolveOptions(preset, options);
  const state = new HandlerState(config.body.timeoutMs, config.timeoutMs);
  const handle = (request: WebhookRequest, answer: Answer, over?: () => void): void => new Delivery(config, state, answer, over).start(request);
  return Object.assign(handle, { close: (closeOptions?: CloseOptions) => closeWithin(state, config.log, closeOptions) });
}

/** What a handler keeps between requests: whether it still takes deliveries, what is running, the deadlines. */
class HandlerState {
  readonly bodyDeadlines: DeadlineQueue;
  /** Every delivery's budget from its claim on, and each store write's. */
  readonly deadlines: DeadlineQueue;
  readonly nextAttempt = attemptIds();
  /**
   * Whether the store is known to be silent (a claim went unanswered for `timeoutMs`): then deliveries are answered
   * 503 without a claim, one a second probing it. A store that fails at once is asked every time: its failures are
   * answered as fast, and hold nothing.
   */
  readonly store = new Breaker();
  private closing = false;
  /** Deliveries between their claim (or callback) and their record: a counter, so the common case allocates nothing. */
  private running = 0;
  private drained: (() => void) | undefined;
  /**
   * Resolves when the first bounded `close({ timeoutMs })` gives up: every later `close()` is held to it, so the
   * one a framework calls on its own (Fastify's `onClose`) cannot outwait the bound its owner chose.
   */
  closeBound: Promise<void> | undefined;
  /** When that bounded `close()` gives up (a `Date.now()` time): until then a late claim is still worth waiting for. */
  closeGivesUpAt: number | undefined;

  constructor(bodyTimeoutMs: number, timeoutMs: number) {
    this.bodyDeadlines = new DeadlineQueue(bodyTimeoutMs);
    this.deadlines = new DeadlineQueue(timeoutMs);
  }

  isClosing(): boolean {
    return this.closing;
  }

  /** Whether a bounded `close({ timeoutMs })` is still waiting: it, not the delivery's own deadline, ends a late claim's wait. */
  closeStillWaits(): boolean {
    return this.closeGivesUpAt !== undefined && Date.now() < this.closeGivesUpAt;
  }

  started(): void {
    this.running += 1;
  }

  finished(): void {
    this.running -= 1;
    if (this.running === 0) this.drained?.();
  }

  /** How many deliveries are between their claim (or callback) and their record. */
  get unfinished(): number {
    return this.running;
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

/** `state.close()`, bounded by `options.timeoutMs` (or by an earlier close's): what was still running then goes to the log. */
function closeWithin(state: HandlerState, log: Logger, options: CloseOptions | undefined): Promise<void> {
  const timeoutMs = options?.timeoutMs;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
    return Promise.reject(new TypeError('close({ timeoutMs }): timeoutMs must be a positive whole number of milliseconds'));
  }
  const drained = state.close();
  if (state.unfinished === 0) return drained;
  if (timeoutMs === undefined) return state.closeBound ? Promise.race([drained, state.closeBound]) : drained;
  const bounded = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      const left = state.unfinished;
      log.warn(
        { code: 'close_timeout', unfinished: left },
        `maiagent-webhook: close_timeout: close() stopped waiting after ${timeoutMs} ms with ${left} deliveries unfinished; their claims are recorded only if they settle while the store's client is open`,
      );
      resolve();
    }, timeoutMs);
    void drained.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  state.closeBound = state.closeBound ? Promise.race([state.closeBound, bounded]) : bounded;
  state.closeGivesUpAt = Math.min(state.closeGivesUpAt ?? Infinity, Date.now() + timeoutMs);
  return bounded;
}

/** A delivery that passed every check, ready for the callback. */
interface Accepted<Message> {
  message: Message;
  reply: Reply;
  rawBody: string;
  /** The dedupe key: the platform and its message id. */
  key: string;
  /** What the payload said that does not stop it (two different conversation ids, say). */
  warnings: readonly DeliveryWarning[] | undefined;
  /** When the delivery was accepted (epoch ms): what a missing timestamp becomes, here and in a queued job. */
  receivedAt: number;
}

/**
 * Where a delivery is. Its one deadline (`timeoutMs`, from the claim on) means something different in each:
 * the store did not answer the claim, the callback is late, the record is late. A claim answered 503 at its
 * deadline is then awaited (`late-claim`) for as long again, so one the store grants late is freed in time.
 */
type Phase = 'reading' | 'claiming' | 'late-claim' | 'running' | 'recording' | 'over';

/**
 * One request on its way to an outcome. The cheap checks run before a byte of the body is read; each step then
 * answers or hands on to the next, at once when it can and from a callback when it must wait (the body, the
 * store, the callback). A step resumed from a callback catches what it throws and answers 500, so nothing escapes
 * into the event loop, and the answer is given once: whatever comes after it (a callback that settles after its
 * deadline, a store write being retried) only tidies up. The delivery is over when it is answered and its claim
 * recorded: then `close()` stops waiting for it and `onOutcome` hears of it.
 */
class Delivery<Message> {
  private phase: Phase = 'reading';
  private answered: Outcome | undefined;
  private rawBody: string | undefined;
  private accepted: Accepted<Message> | undefined;
  private attempt = '';
  /** Whether this delivery's claim is the one probing a store known to be down. */
  private probing = false;
  private counted = false;
  private deadline: Deadline | undefined;
  private context: CallbackContext | undefined;
  private result: CallbackResult | undefined;
  /** The answer decided before the callback (a claim granted during close()), instead of the callback's. */
  private instead: Outcome | undefined;
  private warnings: DeliveryWarning[] | undefined;
  /** The callback's trace, when someone traced it: the outcome names it, so its span is ended by this delivery. */
  private trace: CallbackTrace | undefined;
  /** Whether anyone hears of the outcome (`onOutcome`, a channel subscriber): only then is the clock read. */
  private readonly observed: boolean;
  private readonly startedAt: number;
  private answeredAt = 0;

  constructor(
    private readonly config: ResolvedConfig<Message>,
    private readonly state: HandlerState,
    private answer: Answer,
    private readonly done: (() => void) | undefined,
  ) {
    this.observed = config.onOutcome !== undefined || config.observer.wantsOutcomes();
    this.startedAt = this.observed ? performance.now() : 0;
  }

  start(request: WebhookRequest): void {
    try {
      const refused = refuseBeforeReading(this.config, this.state, request);
      if (refused) return this.conclude(refused);
      readJsonBody(request, this.config.body.limit, this.state.bodyDeadlines, (body) => this.bodyRead(body));
    } catch (error) {
      this.failInternally(error);
    }
  }

  private bodyRead(body: BodyResult): void {
    try {
      this.rawBody = body.rawBody;
      const accepted = accept(this.config, body);
      if (!('key' in accepted)) return this.conclude(accepted);
      this.accepted = accepted;
      if (accepted.warnings) this.warn(...accepted.warnings);
      // close() may have been called while the body arrived: nothing was claimed yet, so nothing to give back.
      if (this.state.isClosing()) return this.conclude(reject(this.config, this.config.answers.shutting_down, { rawBody: accepted.rawBody }));
      this.counted = true;
      this.state.started();
      const store = this.config.store;
      if (!store) return this.runCallback(accepted);
      const admitted = this.state.store.admit();
      if (admitted === 'refuse') {
        const error = new StoreDownError();
        return this.conclude(reject(this.config, this.config.answers.store_unavailable, { rawBody: accepted.rawBody, error }), error);
      }
      this.probing = admitted === 'probe';
      this.phase = 'claiming';
      this.attempt = this.state.nextAttempt();
      const claimed = store.claim(accepted.key, this.attempt);
      if (!isPromiseLike(claimed)) {
        if (this.probing) this.storeAnswered();
        return this.claimAnswered(claimed);
      }
      this.startTheClock();
      Promise.resolve(claimed).then(
        (answer) => {
          this.storeAnswered();
          this.claimAnswered(answer);
        },
        (error: unknown) => this.claimFailed(error),
      );
    } catch (error) {
      // A store whose claim() throws is a store that failed.
      if (this.phase === 'claiming') this.claimFailed(error);
      else this.failInternally(error);
    }
  }

  private claimAnswered(claimed: ClaimState): void {
    try {
      if (this.phase === 'late-claim') return this.lateClaimAnswered(claimed);
      if (this.phase !== 'claiming') return this.giveBackUnawaited(claimed);
      const accepted = this.accepted as Accepted<Message>;
      if (claimed === 'done') return this.conclude(this.config.answers.duplicate);
      if (claimed === 'in_flight') return this.conclude(reject(this.config, this.config.answers.in_progress, { rawBody: accepted.rawBody }));
      // Checked again just before the callback: close() may have been called while the claim was awaited.
      if (this.state.isClosing()) return this.record(NOT_RUN, reject(this.config, this.config.answers.shutting_down, { rawBody: accepted.rawBody }));
      this.runCallback(accepted);
    } catch (error) {
      this.failInternally(error);
    }
  }

  private claimFailed(error: unknown): void {
    // A failure is an answer: a store that answers, even with an error, holds nothing and keeps no one waiting.
    this.storeAnswered();
    // Whenever it fails, even after the delivery stopped waiting for it (a shard failing over takes a while).
    this.freeWhatItMayHold();
    if (this.phase === 'late-claim') return this.over();
    if (this.phase !== 'claiming') return;
    this.conclude(reject(this.config, this.config.answers.store_unavailable, { rawBody: this.rawBody, error }), error);
  }

  /**
   * The claim outlived its deadline: the platform hears 503 now and will retry. The delivery is not over yet: a
   * claim the store grants later must be given back, or every retry meets 409 until it expires. Waiting for it
   * here (for as long again) is what lets close() promise that nothing is left behind when it resolves.
   */
  private claimTimedOut(): void {
    const error = new StoreTimeoutError('claim', this.config.timeoutMs);
    this.finish(reject(this.config, this.config.answers.store_unavailable, { rawBody: this.rawBody, error }), error);
    this.state.store.down(this.probing);
    this.letGoOfThePayload();
    this.phase = 'late-claim';
    this.deadline = this.state.deadlines.add(() => this.expire());
  }

  /** The claim answered after its deadline: one granted now is freed at once (a failed release is reported). */
  private lateClaimAnswered(claimed: ClaimState): void {
    this.deadline?.cancel();
    if (claimed === 'claimed') this.record(NOT_RUN);
    else this.over();
  }

  /**
   * The late claim did not land within its second deadline either (a store that is down, not slow): close() stops
   * waiting for it, unless a bounded close({ timeoutMs }) still waits, so a stall shorter than that bound leaves
   * nothing behind when the Redis client is quit. Most such claims never land; one that does is still given back.
   */
  private lateClaimGivenUp(): void {
    // A probe that never comes back must not stop the next one.
    this.probeOver();
    if (!this.state.closeStillWaits()) this.over();
  }

  /** Any answer from the store, an error too, however late, says it is no longer silent. */
  private storeAnswered(): void {
    this.state.store.up();
    this.probeOver();
  }

  private probeOver(): void {
    if (!this.probing) return;
    this.probing = false;
    this.state.store.probeOver();
  }

  /**
   * A claim still awaited after its answer keeps only what giving it back needs: a store that stays silent would
   * otherwise hold every such delivery's body, message and response until it answers (about 300 KB a 200 KB body).
   */
  private letGoOfThePayload(): void {
    this.rawBody = undefined;
    if (this.accepted) this.accepted = withoutPayload(this.accepted);
  }

  /**
   * A failed claim may still have landed: Redis ran it and the connection was lost with its answer (node-redis fails
   * such a command rather than send it again). Left there, it would answer every retry 409 until it expires. Freed
   * while it is this attempt's own; quietly, since most failed claims never landed and the failure is logged already.
   */
  private freeWhatItMayHold(): void {
    const store = this.config.store;
    if (!store) return;
    try {
      Promise.resolve(store.release((this.accepted as Accepted<Message>).key, this.attempt)).catch(() => {});
    } catch {
      // A store that throws at once holds nothing either.
    }
  }

  /** A claim granted after the delivery stopped waiting for it: given back all the same; only the log is left to tell. */
  private giveBackUnawaited(claimed: ClaimState): void {
    const store = this.config.store;
    if (claimed !== 'claimed' || !store) return;
    recordResult(store, (this.accepted as Accepted<Message>).key, this.attempt, false, this.state.deadlines, (written) => {
      if (!written.ok) logWarnings(this.config.log, this.about(), [{ code: 'store_record_failed', step: 'release', error: written.error }]);
    });
  }

  /** Runs the callback; the answer waits for it to settle and be recorded, or for the deadline, whichever is first. */
  private runCallback(accepted: Accepted<Message>): void {
    this.phase = 'running';
    this.context = new CallbackContext(accepted.rawBody, accepted.reply, this.config.timeoutMs);
    const running = runCallback(this.callback(accepted), accepted.message, this.context, (result) => this.record(result));
    if (running) this.startTheClock();
  }

  /** `onMessage` (or the sink), traced when someone subscribes to the callback channel (only then is anything made for it). */
  private callback({ reply: { platform, id, conversationId }, receivedAt }: Accepted<Message>): DeliveryTarget<Message>['run'] {
    const { target, observer } = this.config;
    const onMessage = target.run;
    // The job keeps the time the message was folded with: the worker's message then says what the web side's did.
    if (target.queued) return (message, context) => onMessage(message, context, receivedAt);
    if (!observer.tracesCallbacks()) return onMessage;
    const trace = callbackTrace(platform, id, conversationId, this.config.redact);
    this.trace = trace;
    return (message, context) => observer.traceCallback(trace, () => onMessage(message, context));
  }

  /** The store follows the callback itself, however late: marked done after a success, freed otherwise. */
  private record(result: CallbackResult, answerInstead?: Outcome): void {
    try {
      this.phase = 'recording';
      this.result = result;
      this.instead = answerInstead;
      const store = this.config.store;
      if (!store) return this.recorded();
      const succeeded = result.kind === 'ok';
      recordResult(store, (this.accepted as Accepted<Message>).key, this.attempt, succeeded, this.state.deadlines, (written) => {
        if (!written.ok) this.warn({ code: 'store_record_failed', step: succeeded ? 'complete' : 'release', error: written.error });
        else if (written.value?.evictedEarly) this.warn({ code: 'dedupe_evicted_early', evicted: written.value.evictedEarly });
        this.recorded();
      });
    } catch (error) {
      this.failInternally(error);
    }
  }

  /** The answer waits for the store, so a retry arriving right after it already meets 'done' (or a free claim). */
  private recorded(): void {
    try {
      this.deadline?.cancel();
      if (!this.answered) this.finish(this.settledAnswer(), this.failure());
      if (this.result?.kind === 'ok' && !this.instead) this.publishReply();
    } catch (error) {
      this.failInternally(error);
    }
    this.over();
  }

  /** Tells the reply hub, if there is one, after the store recorded the success: once per message id. */
  private publishReply(): void {
    const { replies } = this.config;
    const accepted = this.accepted;
    if (replies && accepted) tellQuietly((delivered: DeliveredReply) => replies.publish(delivered), { reply: accepted.reply, message: accepted.message });
  }

  /** The delivery's budget runs from its claim (or its callback, without a store); set once, when first waited on. */
  private startTheClock(): void {
    this.deadline ??= this.state.deadlines.add(() => this.expire());
  }

  private expire(): void {
    switch (this.phase) {
      case 'claiming':
        this.claimTimedOut();
        return;
      case 'late-claim':
        this.lateClaimGivenUp();
        return;
      case 'running':
        // The callback keeps its claim until it settles; its signal aborts now.
        this.finish(reject(this.config, this.config.answers[this.config.target.late], { rawBody: this.rawBody, error: whyLate(this.config) }), lateness(this.config));
        CallbackContext.expire(this.context as CallbackContext);
        return;
      case 'recording':
        // The callback's result is known; a store write still under way is not worth a late answer.
        this.finish(this.settledAnswer(), this.failure());
        return;
    }
  }

  private settledAnswer(): Outcome {
    return this.instead ?? answerFor(this.config, this.result as CallbackResult, this.rawBody as string);
  }

  /** What the callback threw, when it failed. */
  private failure(): unknown {
    return this.result?.kind === 'failed' ? this.result.error : undefined;
  }

  private conclude(outcome: Outcome, cause?: unknown): void {
    this.finish(outcome, cause);
    this.over();
  }

  /** Answers once; a failure the platform will retry is also a line in the log, written after the answer. */
  private finish(outcome: Outcome, cause?: unknown): void {
    if (this.answered) return;
    this.answered = outcome;
    if (this.observed) this.answeredAt = performance.now();
    const answer = this.answer;
    // Answered once: what it closes over (the response, the request) is not held for whatever comes after.
    this.answer = ANSWERED;
    answer(outcome);
    logFailure(this.config.log, this.about(), outcome.code, cause);
  }

  private about(): LineAbout {
    return { platform: this.config.preset.platform, messageId: this.accepted?.reply.id };
  }

  private warn(...warnings: DeliveryWarning[]): void {
    (this.warnings ??= []).push(...warnings);
  }

  /** Once per delivery: it no longer holds `close()` back, and `onOutcome` hears how it ended. */
  private over(): void {
    if (this.phase === 'over') return;
    this.phase = 'over';
    this.deadline?.cancel();
    if (this.counted) this.state.finished();
    if (this.answered) this.tell(this.answered);
    if (this.done) tellQuietly(this.done, undefined);
  }

  /** Every listener hears of the delivery: the hook, the channel, and the log for the warnings worth a line. */
  private tell(answered: Outcome): void {
    const { onOutcome, observer, log } = this.config;
    if (this.warnings) logWarnings(log, this.about(), this.warnings);
    if (!this.observed) return;
    const outcome = this.outcome(answered);
    if (onOutcome) tellQuietly(onOutcome, outcome);
    if (observer.wantsOutcomes()) observer.outcome(outcome, this.trace);
  }

  private outcome(answered: Outcome): DeliveryOutcome {
    const reply = this.accepted?.reply;
    return {
      code: answered.code,
      status: answered.status,
      platform: this.config.preset.platform,
      ...(reply ? { messageId: reply.id, conversationId: reply.conversationId } : {}),
      durationMs: this.answeredAt - this.startedAt,
      warnings: this.warnings ?? NO_WARNINGS,
    };
  }

  private failInternally(error: unknown): void {
    if (!this.answered) this.finish(reject(this.config, this.config.answers.internal_error, { rawBody: this.rawBody, error }), error);
    // A callback still running comes back through record(); anything else is over now.
    if (this.phase !== 'running' && this.phase !== 'recording') this.over();
  }
}

const NO_WARNINGS: readonly DeliveryWarning[] = Object.freeze([]);

const ANSWERED: Answer = () => {};

/** The key and ids of an accepted delivery, without its body, message or text: for a claim whose callback never runs. */
function withoutPayload<Message>(accepted: Accepted<Message>): Accepted<Message> {
  const { platform, id, conversationId, createdAt } = accepted.reply;
  // `message` is never read again: only a granted claim runs the callback or publishes the reply, and this one is given back.
  return { ...accepted, message: undefined as Message, rawBody: '', reply: { platform, id, conversationId, text: '', createdAt } };
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
  const receivedAt = Date.now();
  const message = config.preset.toMessage(body.value, receivedAt);
  const reply = config.preset.toReply(message);
  return { message, reply, rawBody, key: `${reply.platform}:${reply.id}`, warnings: config.preset.warningsFor(body.value), receivedAt };
}

/** What onRejected hears of a delivery answered at its deadline: a queue's silence is an error; a callback still running is not. */
function whyLate({ target, timeoutMs }: { target: { queued: boolean }; timeoutMs: number }): SinkTimeoutError | undefined {
  return target.queued ? new SinkTimeoutError(timeoutMs) : undefined;
}

/** Why a delivery was answered at its deadline: the callback (or the sink) had not settled. */
function lateness({ target, timeoutMs }: { target: { queued: boolean }; timeoutMs: number }): string {
  return `${target.queued ? 'the queue' : 'onMessage'} did not settle within ${timeoutMs} ms`;
}

function answerFor<Message>(config: ResolvedConfig<Message>, result: CallbackResult, rawBody: string): Outcome {
  if (result.kind === 'failed') return reject(config, config.answers[config.target.failed], { rawBody, error: result.error });
  return config.answers[config.target.succeeded];
}

/** Frees a claim whose callback never started (granted while closing, or after its deadline). */
const NOT_RUN: CallbackResult = Object.freeze({ kind: 'failed', error: undefined });

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
    tellQuietly(hook, { code, status: outcome.status, message: OUTCOMES[code].message, ...withoutUndefined(details) });
  }
  return outcome;
}

function withoutUndefined(details: RejectionDetails): RejectionDetails {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}

/** A hook that throws or rejects changes nothing: what it was told stands. */
function tellQuietly<T>(hook: (value: T) => unknown, value: T): void {
  try {
    const returned = hook(value);
    if (returned instanceof Promise) returned.catch(ignore);
  } catch {
    // A broken hook must not turn a clear answer into a crash.
  }
}

function ignore(): void {}
