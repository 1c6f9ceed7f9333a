// (5) with a RedisStore over node-redis, as the README wires it (no per-command timeout: the webhook bounds every
// store call by timeoutMs), against the redis-server at REDIS_PORT.
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
