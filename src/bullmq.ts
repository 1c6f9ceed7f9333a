// maiagent-webhook/bullmq: answer 200 once the reply is in your BullMQ queue, process it from your workers.
// `deliverTo: toQueue(queue)` on the web side, `new Worker(name, replyProcessor('maiagent', onMessage))` on the other.
// bullmq is an optional peer dependency: nothing here loads it.
export { toQueue, replyProcessor, replyJobId, abortOnLostLocks, JobAbortedError } from './queue/bullmq';
export type { ToQueueOptions, QueueForReplies, ReplyJobData, ReplyProcessor, AbortOnLostLocksOptions } from './queue/bullmq';
