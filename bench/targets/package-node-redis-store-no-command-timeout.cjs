// package-node-redis-store with node-redis's own per-command timeout off (`commandOptions: { timeout: 0 }`): the
// store's calls have the webhook's deadline already, and the client's costs an AbortSignal.timeout per command.
'use strict';
const http = require('node:http');
const { createClient } = require('redis');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('node.js'));
const { RedisStore } = require(dist('redis.js'));

const client = createClient({ url: `redis://127.0.0.1:${process.env.REDIS_PORT}`, commandOptions: { timeout: 0 } });
client.connect().then(() => {
  const store = new RedisStore({ sendCommand: (args) => client.sendCommand(args) });
  ready(http.createServer(maiagentWebhook({ authToken: TOKEN, store, onMessage: async () => {} })));
});
