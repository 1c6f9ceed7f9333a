import type { Reply } from './preset';

/** A reply that reached the user's code (or the queue): the cross-platform view and the typed message. */
export interface DeliveredReply {
  reply: Reply;
  message: unknown;
}

/**
 * Hears each reply once it was delivered (the callback succeeded, or the queue holds it): the port a reply hub
 * (`maiagent-webhook/client`) plugs into, so code that sent a message can await its reply. Once per message id
 * while a store dedupes; what it throws or rejects with changes nothing.
 */
export interface ReplyListener {
  publish(delivered: DeliveredReply): unknown;
}

export function isReplyListener(value: unknown): value is ReplyListener {
  return typeof value === 'object' && value !== null && typeof (value as Partial<ReplyListener>).publish === 'function';
}
