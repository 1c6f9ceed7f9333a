import type { DeliveryOutcome } from './options';
import type { Reply } from './preset';

/**
 * On a callback's trace, not enumerable: the receiver's redaction (each configured token written `[redacted]`), for a
 * tracer that writes what the callback threw (an error that echoes the token, in a URL it called).
 */
export const REDACT_TEXT = Symbol.for('maiagent-webhook.redact');

/** What a callback's trace names: the delivery, never its body. Tracers may add their own fields to it. */
export interface CallbackTrace {
  platform: Reply['platform'];
  messageId: string;
  conversationId: string;
  readonly [REDACT_TEXT]?: (text: string) => string;
}

/** A callback's trace, carrying the receiver's redaction where only those who look for it see it. */
export function callbackTrace(platform: Reply['platform'], messageId: string, conversationId: string, redact: (text: string) => string): CallbackTrace {
  return Object.defineProperty({ platform, messageId, conversationId }, REDACT_TEXT, { value: redact });
}

/**
 * Who hears of deliveries besides the options' hooks: the diagnostics channels, where the runtime has them. The core
 * asks before building anything for it, so nobody listening costs a call per delivery and nothing more.
 */
export interface DeliveryObserver {
  tracesCallbacks(): boolean;
  /** Calls `call` and answers what it returns (or throws), telling whoever traces callbacks. */
  traceCallback(trace: CallbackTrace, call: () => unknown): unknown;
  wantsOutcomes(): boolean;
  /** `trace`: the object `traceCallback` was given for this delivery's callback, if it was traced. */
  outcome(outcome: DeliveryOutcome, trace: CallbackTrace | undefined): void;
}

const UNOBSERVED: DeliveryObserver = Object.freeze({
  tracesCallbacks: () => false,
  traceCallback: (_trace: CallbackTrace, call: () => unknown) => call(),
  wantsOutcomes: () => false,
  outcome: () => {},
});

let observer: DeliveryObserver = UNOBSERVED;

/** Set once by whoever assembles the entry points (the core never looks for an observer itself). */
export function observeDeliveries(next: DeliveryObserver | undefined): void {
  observer = next ?? UNOBSERVED;
}

export function deliveryObserver(): DeliveryObserver {
  return observer;
}
