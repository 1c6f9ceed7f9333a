// (5) in queue mode: each delivery acknowledged once it is a BullMQ job in the redis-server at REDIS_PORT (no
// worker runs: the bench measures the acknowledgement, which is what the platform waits for).
'use strict';
const http = require('node:http');
const { Queue } = require('bullmq');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('node.js'));
const { toQueue } = require(dist('bullmq.js'));

const queue = new Queue('bench-replies', { connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT), enableOfflineQueue: false } });
queue.waitUntilReady().then(() => ready(http.createServer(maiagentWebhook({ authToken: TOKEN, deliverTo: toQueue(queue) }))));
