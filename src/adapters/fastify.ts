import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { createWebhookHandler, type Closable } from '../core/handle';
import type { WebhookOptions } from '../core/options';
import type { Preset } from '../core/preset';
import { fromNodeRequest, respond } from './node-io';

export type FastifyWebhookPlugin = FastifyPluginCallback & Closable;

/**
 * A Fastify plugin: register it with the route's path as its `prefix`. It keeps the package's own byte-exact body
 * reading and limit: inside the plugin (encapsulated, so the rest of the app keeps its parsers) a content-type
 * parser hands the stream on unread, and the handler takes the reply over (`reply.hijack()`). `app.close()`
 * closes the webhook too (an `onClose` hook), so the app's own shutdown waits for its claims to be recorded.
 */
export function fastifyPlugin<Message>(preset: Preset<Message>, options: WebhookOptions<Message>): FastifyWebhookPlugin {
  const handle = createWebhookHandler(preset, options);
  function webhookPlugin(instance: FastifyInstance, _options: unknown, done: (error?: Error) => void): void {
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser('*', leaveTheBodyUnread);
    instance.all('/', (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      handle(fromNodeRequest(request.raw), (outcome) => respond(reply.raw, outcome));
    });
    instance.addHook('onClose', () => handle.close());
    done();
  }
  return Object.assign(webhookPlugin, { close: handle.close });
}

function leaveTheBodyUnread(_request: FastifyRequest, _payload: unknown, done: (error: Error | null, body?: unknown) => void): void {
  done(null, undefined);
}
