// A receiver process for the reliability suite, run from a fresh build of the package:
//   node flaky-receiver.js <buildDir> <memory|redis> [redisUrl] [redisPrefix]
// Its callback fails at random for 30% of calls and sometimes outlives timeoutMs. On 'report' it sends the ids whose
// callback succeeded, one entry per success, to its parent.
'use strict';
const http = require('node:http');
const [buildDir, storeKind, redisUrl, prefix] = process.argv.slice(2);
const { maiagentWebhook } = require(`${buildDir}/node.js`);

const TIMEOUT_MS = 40;
const random = require('./seeded-random')(Number(process.env.SEED ?? 1));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const successes = [];
let calls = 0;
async function onMessage(message) {
  calls += 1;
  if (random() < 0.03) await sleep(TIMEOUT_MS * 2);
  else await new Promise((resolve) => setImmediate(resolve));
  if (random() < 0.3) throw new Error('flaky downstream');
  successes.push(message.id);
}

async function main() {
  let store;
  let client;
  if (storeKind === 'redis') {
    const { createClient } = require('redis');
    const { RedisStore } = require(`${buildDir}/redis.js`);
    client = createClient({ url: redisUrl, commandOptions: { timeout: 0 } });
    await client.connect();
    store = new RedisStore({ sendCommand: (args) => client.sendCommand(args), prefix });
  }
  const webhook = maiagentWebhook({ authToken: 'reliability-token', onMessage, timeoutMs: TIMEOUT_MS, ...(store ? { store } : {}) });
  const server = http.createServer(webhook);
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
  process.on('message', async (command) => {
    if (command === 'report') {
      await webhook.close();
      process.send({ type: 'report', successes, calls });
    }
    if (command === 'exit') {
      server.closeAllConnections();
      server.close();
      if (client) await client.quit();
      process.disconnect();
    }
  });
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
