import type { Redis } from 'ioredis';
import { RedisReplyHub } from 'maiagent-webhook/client';

// ioredis has one 'message' event for every channel: add the listener once, and let the hub's subscribe (which
// runs again after a failure) only record which function hears which channel.
export function ioredisReplyHub(publisher: Redis, subscriber: Redis, channel = 'maiagent-webhook:replies') {
  const listeners = new Map<string, (message: string) => void>();
  subscriber.on('message', (heardOn: string, message: string) => listeners.get(heardOn)?.(message));
  return new RedisReplyHub({
    channel,
    publish: (c, m) => publisher.publish(c, m),
    subscribe: (c, listener) => {
      listeners.set(c, listener);
      return subscriber.subscribe(c);
    },
    unsubscribe: (c) => {
      listeners.delete(c);
      return subscriber.unsubscribe(c);
    },
  });
}
