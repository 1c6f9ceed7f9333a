import { Worker } from 'bullmq';
import { abortOnLostLocks, replyProcessor } from 'maiagent-webhook/bullmq';

export const worker = new Worker('maiagent-replies', replyProcessor('maiagent', async (message, { reply, signal }) => {
  // The same message and context as inline onMessage. Must be idempotent on message.id: a job can run twice.
  console.log(`[${reply.conversationId}] ${message.content}`, signal.aborted);
}), {
  connection: { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
  concurrency: 20,
});
abortOnLostLocks(worker); // the signal aborts when the job's lock is lost; worker.close() lets running jobs finish
