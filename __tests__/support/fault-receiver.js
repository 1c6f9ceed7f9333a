// A receiver process for the fault suite, run from a fresh build of the package:
//   node fault-receiver.js <buildDir> <redisUrl> <redisPrefix> <logFile>
// node-redis as the README wires it (it queues commands while it reconnects). Every event is appended to the log
// file synchronously, so what the process did before a SIGKILL is still there after it:
//   start <id> | success <id> | failed <id> | outcome <code> <id|-> <durationMs> <warnings|->
'use strict';
const { appendFileSync } = require('node:fs');
const http = require('node:http');
const { createClient } = require('redis');
const [buildDir, redisUrl, prefix, logFile] = process.argv.slice(2);
const { maiagentWebhook } = require(`${buildDir}/node.js`);
const { RedisStore } = require(`${buildDir}/redis.js`);

const TIMEOUT_MS = Number(process.env.TIMEOUT_MS);
const CLAIM_TTL_MS = Number(process.env.CLAIM_TTL_MS);
const FAIL_RATE = Number(process.env.FAIL_RATE);
const random = require('./seeded-random')(Number(process.env.SEED ?? 1));
const log = (line) => appendFileSync(logFile, `${line}\n`);

async function onMessage(message) {
  log(`start ${message.id}`);
  await new Promise((resolve) => setTimeout(resolve, random() * 10));
  if (random() < FAIL_RATE) {
    log(`failed ${message.id}`);
    throw new Error('flaky downstream');
  }
  // The side effect happens here, before the store records it: a kill between the two is the one way to run twice.
  log(`success ${message.id}`);
}

function onOutcome({ code, messageId, durationMs, warnings }) {
  log(`outcome ${code} ${messageId ?? '-'} ${Math.round(durationMs)} ${warnings.map((w) => w.code).join(',') || '-'}`);
}

async function main() {
  const client = createClient({ url: redisUrl, commandOptions: { timeout: 0 } });
  client.on('error', () => {});
  await client.connect();
  const store = new RedisStore({ sendCommand: (args) => client.sendCommand(args), prefix, claimTtlMs: CLAIM_TTL_MS });
  const webhook = maiagentWebhook({ authToken: 'fault-token', onMessage, onOutcome, log: false, timeoutMs: TIMEOUT_MS, store });
  const server = http.createServer(webhook);
  server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
  process.on('message', async (command) => {
    if (command !== 'close') return;
    // The README's shutdown: close the webhook, then the server and the Redis client.
    await webhook.close();
    server.closeAllConnections();
    server.close();
    await client.quit().catch(() => {});
    process.send({ type: 'closed' });
    process.disconnect();
  });
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
