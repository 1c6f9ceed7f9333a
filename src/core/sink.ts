import type { Eventually } from './eventually';
import type { Reply } from './preset';

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

/**
 * Where deliveries go when they are persisted first and processed later (`deliverTo`). One method: resolve once
 * the delivery is durably held (the answer is then 200), throw or reject when it is not (503 queue_unavailable, and
 * the platform retries). Enqueueing the same key twice must not make two jobs: the platform retries deliveries.
 */
export interface DeliverySink {
  enqueue(delivery: QueuedDelivery): Eventually<unknown>;
}

export function isDeliverySink(value: unknown): value is DeliverySink {
  return typeof value === 'object' && value !== null && typeof (value as Partial<DeliverySink>).enqueue === 'function';
}

export function queuedDelivery({ platform, id, conversationId }: Reply, rawBody: string, receivedAt: number): QueuedDelivery {
  return { key: `${platform}:${id}`, platform, messageId: id, conversationId, rawBody, receivedAt };
}
