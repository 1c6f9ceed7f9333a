// (5) with a RedisStore over ioredis, as the README wires it, against the redis-server at REDIS_PORT.
'use strict';
const http = require('node:http');
const { Redis } = require('ioredis');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('node.js'));
const { RedisStore } = require(dist('redis.js'));

const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT) });
redis.once('ready', () => {
  const store = new RedisStore({ sendCommand: ([command, ...args]) => redis.call(command, ...args) });
  ready(http.createServer(maiagentWebhook({ authToken: TOKEN, store, onMessage: async () => {} })));
});
