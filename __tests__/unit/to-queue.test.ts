// toQueue over a stand-in for BullMQ's Queue: the job it makes, and the batching of one event-loop turn.
import { replyJobId, toQueue } from '../../src/queue/bullmq';
import type { QueuedDelivery } from '../../src/core/sink';

const delivery = (messageId: string): QueuedDelivery => ({ key: `maiagent:${messageId}`, platform: 'maiagent', messageId, conversationId: 'conv-1', rawBody: '{"id":"x"}', receivedAt: 1 });

describe('toQueue', () => {
  it('adds the deliveries of one turn of the event loop in one addBulk, each job with its id, body and retention', async () => {
    const calls: unknown[][] = [];
    const queue = { addBulk: async (jobs: unknown[]) => void calls.push(jobs) };
    const sink = toQueue(queue as never, { keepCompletedMs: 3_600_000 });
    await Promise.all([sink.enqueue(delivery('a')), sink.enqueue(delivery('b'))]);
    await sink.enqueue(delivery('c'));
    expect(calls.map((jobs) => jobs.length)).toEqual([2, 1]);
    expect(calls[0]?.[0]).toEqual({
      name: 'maiagent',
      data: { platform: 'maiagent', messageId: 'a', conversationId: 'conv-1', rawBody: '{"id":"x"}', receivedAt: 1 },
      opts: { jobId: 'maiagent-a', removeOnComplete: { age: 3600 }, removeOnFail: false },
    });
  });

  it('fails every delivery of a batch that Redis refused, so each is answered 503', async () => {
    const sink = toQueue({ addBulk: () => Promise.reject(new Error('READONLY')) } as never);
    const results = await Promise.allSettled([sink.enqueue(delivery('a')), sink.enqueue(delivery('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('makes job ids BullMQ accepts: no colon, never all digits, distinct for distinct ids', () => {
    expect(replyJobId('maiagent', '12345')).toBe('maiagent-12345');
    expect(replyJobId('gptbots', 'a:b')).toBe('gptbots-a%3Ab');
    expect(replyJobId('gptbots', 'a%3Ab')).not.toBe(replyJobId('gptbots', 'a:b'));
  });
});
