// package-node-redis-store with node-redis's default client (a 5 s per-command timeout: an AbortSignal.timeout and
// a listener per command), as the README wired it before the sixth session; for comparison only.
'use strict';
const http = require('node:http');
const { createClient } = require('redis');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('node.js'));
const { RedisStore } = require(dist('redis.js'));

const client = createClient({ url: `redis://127.0.0.1:${process.env.REDIS_PORT}` });
client.connect().then(() => {
  const store = new RedisStore({ sendCommand: (args) => client.sendCommand(args) });
  ready(http.createServer(maiagentWebhook({ authToken: TOKEN, store, onMessage: async () => {} })));
});
