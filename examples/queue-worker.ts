import { Worker } from 'bullmq';
import { abortOnLostLocks, replyProcessor } from 'maiagent-webhook/bullmq';

export const worker = new Worker('maiagent-replies', replyProcessor('maiagent', async (message, { signal }) => {
  // The same message and context as inline onMessage. Must be idempotent on message.id: a job can run twice.
  signal.throwIfAborted(); // hand signal to your calls too (fetch(url, { signal })): it aborts when the lock is lost
  console.log(`[${message.conversation}] ${message.content}`);
}), {
  connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', maxRetriesPerRequest: null },
  concurrency: 20,
});
worker.on('error', (error) => console.error('worker:', error.message)); // one line per failed reconnect, not a stack
abortOnLostLocks(worker); // the signal aborts when the job's lock is lost; worker.close() lets running jobs finish
