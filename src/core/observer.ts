import type { DeliveryOutcome } from './options';
import type { Reply } from './preset';

/** What a callback's trace names: the delivery, never its body. Tracers may add their own fields to it. */
export interface CallbackTrace {
  platform: Reply['platform'];
  messageId: string;
  conversationId: string;
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
