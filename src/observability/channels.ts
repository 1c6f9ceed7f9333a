import { isPromiseLike } from '../core/eventually';
import type { CallbackTrace, DeliveryObserver } from '../core/observer';
import type { DeliveryOutcome } from '../core/options';

/** A TracingChannel around each `onMessage` call: `tracing:maiagent-webhook:callback:{start,end,asyncStart,asyncEnd,error}`. */
export const CALLBACK_CHANNEL = 'maiagent-webhook:callback';
/** One message per delivery: the object `onOutcome` receives. */
export const OUTCOME_CHANNEL = 'maiagent-webhook:outcome';

// Two links between the channels, under registered symbols so that every copy of this module agrees on them (the
// otel entry is built apart from the runtime bundle). Neither is enumerable or serialized.
/** On an outcome message whose callback was traced: that callback's context object, so a subscriber ends its own span. */
export const CALLBACK_TRACE = Symbol.for('maiagent-webhook.callback-trace');
/**
 * On a callback's context object, set by a `start` subscriber: `(call) => unknown`, which must call `call` and
 * answer what it returns; the callback then runs inside it (OpenTelemetry: in its span's context).
 */
export const RUN_CALLBACK = Symbol.for('maiagent-webhook.run-callback');

// The few members used, typed here so that no entry point's types need Node's.
interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
  subscribe(listener: (message: unknown) => void): void;
  unsubscribe(listener: (message: unknown) => void): boolean;
}
export type TracingHandlers = Partial<Record<'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error', (context: TracedCallback) => void>>;
interface TracingChannel {
  readonly hasSubscribers?: boolean;
  readonly start: Channel;
  readonly end: Channel;
  readonly asyncStart: Channel;
  readonly asyncEnd: Channel;
  readonly error: Channel;
  traceSync<T>(fn: () => T, context: object): T;
  subscribe(handlers: TracingHandlers): void;
  unsubscribe(handlers: TracingHandlers): boolean;
}
export interface DiagnosticsChannels {
  channel(name: string): Channel;
  tracingChannel(name: string): TracingChannel;
}

/** The context object every event of one callback's trace shares; `result` or `error` once it settled. */
export interface TracedCallback extends CallbackTrace {
  result?: unknown;
  error?: unknown;
  [RUN_CALLBACK]?: (call: () => unknown) => unknown;
}

/** The outcome message, as subscribers receive it. */
export interface PublishedOutcome extends DeliveryOutcome {
  readonly [CALLBACK_TRACE]?: TracedCallback;
}

/**
 * node:diagnostics_channel through `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno, and Workers with
 * `nodejs_compat`), so loading the package still loads no built-in module the usual way and the Fetch build needs
 * none; where it is missing the channels are simply off. The mysql2 and Redis clients load it the same way.
 */
export function diagnosticsChannels(): DiagnosticsChannels | undefined {
  try {
    const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return process?.getBuiltinModule?.('node:diagnostics_channel') as DiagnosticsChannels | undefined;
  } catch {
    return undefined;
  }
}

/** The observer that publishes every delivery on the package's channels, or undefined where there are none. */
export function channelsObserver(channels = diagnosticsChannels()): DeliveryObserver | undefined {
  if (!channels) return undefined;
  const callback = channels.tracingChannel(CALLBACK_CHANNEL);
  const outcome = channels.channel(OUTCOME_CHANNEL);
  return {
    tracesCallbacks: () => callback.hasSubscribers ?? callback.start.hasSubscribers,
    traceCallback: (trace, call) => traced(callback, trace, call),
    wantsOutcomes: () => outcome.hasSubscribers,
    outcome: (delivery, trace) => outcome.publish(linked(delivery, trace)),
  };
}

function linked(delivery: DeliveryOutcome, trace: CallbackTrace | undefined): PublishedOutcome {
  if (trace) Object.defineProperty(delivery, CALLBACK_TRACE, { value: trace, configurable: true });
  return delivery;
}

/** The callback, inside whatever a `start` subscriber asked it to run in. */
function runAsAsked(context: TracedCallback, call: () => unknown): unknown {
  const runIn = context[RUN_CALLBACK];
  return runIn ? runIn(call) : call();
}

/** What `TracingChannel.tracePromise` does, for a callback that may or may not return a promise. */
function traced(channel: TracingChannel, context: TracedCallback, call: () => unknown): unknown {
  const returned = channel.traceSync(() => runAsAsked(context, call), context);
  if (isPromiseLike(returned)) {
    Promise.resolve(returned).then(
      (result) => {
        context.result = result;
        channel.asyncStart.publish(context);
        channel.asyncEnd.publish(context);
      },
      (error: unknown) => {
        context.error = error;
        channel.error.publish(context);
        channel.asyncStart.publish(context);
        channel.asyncEnd.publish(context);
      },
    );
  }
  return returned;
}
