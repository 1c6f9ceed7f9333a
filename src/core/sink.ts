import type { Eventually } from './eventually';
import type { Reply } from './preset';
import { Breaker } from './breaker';
import { CallbackContext } from './dispatch';

/** A delivery handed to a sink instead of a callback: what a queue needs to process it later, nothing more. */
export interface QueuedDelivery {
  /** The dedupe key, `<platform>:<message id>`. */
  key: string;
  platform: Reply['platform'];
  messageId: string;
  conversationId: string;
  /** The body as received: the worker rebuilds the message from it. */
  rawBody: string;
  /** When the delivery was accepted, in epoch milliseconds. */
  receivedAt: number;
}

/** What a sink is told besides the delivery. */
export interface EnqueueContext {
  /** Aborts when `timeoutMs` passes: the platform has then been answered 503, so a sink may stop trying. */
  signal: AbortSignal;
}

/**
 * Where deliveries go when they are persisted first and processed later (`deliverTo`). One method: resolve once
 * the delivery is durably held (the answer is then 200), throw or reject when it is not (503 queue_unavailable, and
 * the platform retries). Enqueueing the same key twice must not make two jobs: the platform retries deliveries.
 */
export interface DeliverySink {
  enqueue(delivery: QueuedDelivery, context?: EnqueueContext): Eventually<unknown>;
}

export function isDeliverySink(value: unknown): value is DeliverySink {
  return typeof value === 'object' && value !== null && typeof (value as Partial<DeliverySink>).enqueue === 'function';
}

/** The sink did not confirm within `timeoutMs`: the delivery may still land later (its job id makes that harmless). */
export class SinkTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the sink did not confirm the delivery within ${timeoutMs} ms`);
    this.name = 'SinkTimeoutError';
  }
}

/** The sink was not called: it failed or outlived `timeoutMs` lately, and is probed by one delivery at a time. */
export class SinkDownError extends Error {
  constructor() {
    super('the sink is down (it failed or did not confirm in time lately): not called');
    this.name = 'SinkDownError';
  }
}

/** The delivery's own view, as the core hands it to the callback that the sink replaces. */
interface SinkInput {
  reply: Reply;
  rawBody: string;
  signal: AbortSignal;
}

/**
 * What runs in place of `onMessage` with `deliverTo`: the sink's answer, but never later than the delivery's
 * deadline (the sink's promise may never settle: BullMQ waits for a connection it never had), and not asked at all
 * while it is known to be down. So every answer comes within `timeoutMs`, `close()` waits for nothing longer, and
 * a body is let go once its delivery is answered. The sink is handed the delivery's context as its own: its `signal`
 * is made only if the sink reads it (toQueue does not, once its queue has connected).
 */
export function enqueueWithin(sink: DeliverySink, timeoutMs: number): (input: SinkInput, receivedAt: number) => Promise<void> {
  const breaker = new Breaker();
  return (input, receivedAt) => {
    const admitted = breaker.admit();
    if (admitted === 'refuse') return Promise.reject(new SinkDownError());
    const wasProbe = admitted === 'probe';
    const call = callSink(sink, queuedDelivery(input.reply, input.rawBody, receivedAt), input);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const stopHearing = whenLate(input, () => {
        if (!settled) breaker.down(wasProbe);
        reject(new SinkTimeoutError(timeoutMs));
      });
      // However late: a call that waited for Redis and landed means the sink is back.
      const over = (): void => {
        settled = true;
        if (wasProbe) breaker.probeOver();
        stopHearing();
      };
      call.then(
        () => {
          breaker.up();
          over();
          resolve();
        },
        (error: unknown) => {
          breaker.down(wasProbe);
          over();
          reject(error);
        },
      );
    });
  };
}

/** Calls `late` when the delivery's deadline passes; answers what stops it. */
function whenLate(input: SinkInput, late: () => void): () => void {
  if (input instanceof CallbackContext) {
    CallbackContext.hearExpiry(input, late);
    return () => CallbackContext.hearExpiry(input, undefined);
  }
  input.signal.addEventListener('abort', late, { once: true });
  return () => input.signal.removeEventListener('abort', late);
}

/** The sink's answer as a promise: one that throws instead of answering rejects like any other. */
function callSink(sink: DeliverySink, delivery: QueuedDelivery, context: EnqueueContext): PromiseLike<unknown> {
  try {
    return Promise.resolve(sink.enqueue(delivery, context));
  } catch (error) {
    return Promise.reject(error);
  }
}

export function queuedDelivery({ platform, id, conversationId }: Reply, rawBody: string, receivedAt: number): QueuedDelivery {
  return { key: `${platform}:${id}`, platform, messageId: id, conversationId, rawBody, receivedAt };
}
