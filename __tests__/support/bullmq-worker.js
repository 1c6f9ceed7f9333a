// A BullMQ worker process for the queue suite, on the package's fresh build:
//   node bullmq-worker.js <buildDir> <redisUrl> <queueName> <logFile>
// It logs "start <id>" and "success <id>" synchronously, so what it did before a SIGKILL is still there. A reply
// whose content is "hang" never finishes here: the test kills the process in the middle of it.
'use strict';
const { appendFileSync } = require('node:fs');
const { Worker } = require('bullmq');
const [buildDir, redisUrl, queueName, logFile] = process.argv.slice(2);
const { replyProcessor } = require(`${buildDir}/bullmq.js`);

const log = (line) => appendFileSync(logFile, `${line}\n`);
const { hostname, port } = new URL(redisUrl);
const worker = new Worker(
  queueName,
  replyProcessor('maiagent', async (message) => {
    log(`start ${message.id}`);
    if (message.content === 'hang') await new Promise(() => {});
    log(`success ${message.id}`);
  }),
  { connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null }, concurrency: 4, lockDuration: 1000, stalledInterval: 500 },
);
worker.on('ready', () => process.send({ type: 'ready' }));
worker.on('error', () => {});
