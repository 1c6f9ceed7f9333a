#!/usr/bin/env node
// npm run bench:queue-add: what adding a job costs the web process, apart from HTTP. Node CPU µs a job for
// BullMQ's `Queue.addBulk`, as `toQueue` calls it (the bench body, the job options toQueue sets, batches of BATCH),
// against the floor of any add that sends a batch as one command: one `EVALSHA` a batch, over ioredis, carrying the
// same three arguments a job (msgpacked arguments, the JSON data, msgpacked options) to a script that only counts
// them. The difference is what BullMQ's per-job client work costs (a `Job`, its JSON, a pipeline command each).
// Options (environment): BATCH (12: the average batch toQueue made under bench:queue), JOBS (60000), ROUNDS (3).
import { createRequire } from 'node:module';
import { rmSync } from 'node:fs';
import { median } from './run.mjs';
import { startRedis } from './redis-server.mjs';

const require = createRequire(import.meta.url);
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');
// msgpackr is BullMQ's own dependency: the one it packs with.
const { pack } = createRequire(require.resolve('bullmq'))('msgpackr');
const body = require('./bodies.cjs').small;

const BATCH = Number(process.env.BATCH ?? 12);
const JOBS = Number(process.env.JOBS ?? 60000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DAY_SECONDS = 24 * 60 * 60;

let sequence = 0;
function delivery() {
  const id = `add-${process.pid}-${(sequence += 1)}`;
  return { id, data: { platform: 'maiagent', messageId: id, conversationId: 'c', rawBody: body.replace('__ID__', id), receivedAt: Date.now() } };
}

/** Node CPU µs a job for `add(batch)` over JOBS jobs, four batches in flight, after a warm-up. */
async function cpuPerJob(add) {
  const run = async (jobs) => {
    const inFlight = [];
    for (let sent = 0; sent < jobs; sent += BATCH) {
      inFlight.push(add(Array.from({ length: BATCH }, delivery)));
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
  };
  await run(JOBS / 10);
  const before = process.cpuUsage();
  await run(JOBS);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / JOBS;
}

const { work, port, cli, server: redis } = await startRedis('queue-add');
const queue = new Queue('bench-add', { connection: { host: '127.0.0.1', port, enableOfflineQueue: false } });
const client = new Redis({ host: '127.0.0.1', port, enableOfflineQueue: false });
client.defineCommand('countJobs', { numberOfKeys: 9, lua: 'return #ARGV / 3' });
const keys = Array.from({ length: 9 }, (_, i) => `bench-add:key${i}`);
const options = { removeOnComplete: { age: DAY_SECONDS }, removeOnFail: false };

const viaAddBulk = (batch) => queue.addBulk(batch.map(({ id, data }) => ({ name: 'maiagent', data, opts: { ...options, jobId: `maiagent-${id}` } })));
const viaOneCommand = (batch) => {
  const args = [];
  for (const { id, data } of batch) {
    const jobId = `maiagent-${id}`;
    args.push(pack(['bull:bench-add:', jobId, 'maiagent', Date.now(), null, null, null, null, null, null]), JSON.stringify(data), pack({ rOC: options.removeOnComplete, rOF: false, jobId }));
  }
  return client.countJobs(...keys, ...args);
};

try {
  await queue.waitUntilReady();
  const samples = { addBulk: [], oneCommand: [] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    cli('FLUSHALL');
    samples.addBulk.push(await cpuPerJob(viaAddBulk));
    samples.oneCommand.push(await cpuPerJob(viaOneCommand));
    console.log(`round ${round}: addBulk ${samples.addBulk.at(-1).toFixed(1)} µs a job, one command a batch ${samples.oneCommand.at(-1).toFixed(1)} µs a job`);
  }
  const [bulk, one] = [median(samples.addBulk), median(samples.oneCommand)];
  console.log(`\nBatches of ${BATCH}, node CPU a job (median of ${ROUNDS}): Queue.addBulk ${bulk.toFixed(1)} µs; one EVALSHA a batch (the floor) ${one.toFixed(1)} µs (× ${(one / bulk).toFixed(2)})`);
} finally {
  await queue.close();
  client.disconnect();
  redis.kill();
  rmSync(work, { recursive: true, force: true });
}
