import { Redis } from 'ioredis';
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

// Two connections to REDIS_URL: a subscribed connection serves nothing else. Give `hub` to the webhook
// (`replies: hub`) and to `ask`; `close()` ends the waits still open, unsubscribes and closes both connections.
export function connectReplyHub(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') {
  const publisher = new Redis(url);
  const subscriber = new Redis(url);
  // Without a listener ioredis prints a stack for every failed reconnect: one line each is enough.
  for (const client of [publisher, subscriber]) client.on('error', (error) => console.error('redis:', error.message));
  const hub = ioredisReplyHub(publisher, subscriber);
  const close = async () => {
    await hub.close();
    await Promise.all([publisher.quit(), subscriber.quit()]);
  };
  return { hub, close };
}
