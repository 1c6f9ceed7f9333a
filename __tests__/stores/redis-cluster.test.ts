// RedisStore and RedisReplyHub on a real 3-master Redis Cluster this file starts (redis-server --cluster-enabled yes,
// redis-cli --cluster create), wired as the README shows, with node-redis createCluster and ioredis Cluster.
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { createWebhookHandler } from '../../src/core/handle';
import { maiagentPreset } from '../../src/presets/maiagent';
import { RedisReplyHub, type HubReply, type RedisReplyHubOptions } from 'maiagent-webhook/client';
import { commandKey, RedisStore, type SendCommand } from 'maiagent-webhook/redis';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { printFigures } from '../support/figures';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';
import { keysOnEachMaster, useRedisCluster } from '../support/redis-cluster';
import { until } from '../support/redis-replica';
import { listenOnLoopback } from '../support/server';

const own = useRedisCluster();
const closing = own.closing;

async function nodeRedisCluster() {
  const client = createCluster({ rootNodes: own.cluster.rootNodes });
  client.on('error', () => {});
  await client.connect();
  closing.push(() => client.destroy());
  return client;
}

function ioredisCluster(options: ConstructorParameters<typeof Cluster>[1] = {}) {
  const client = new Cluster(own.cluster.nodes, options);
  client.on('error', () => {});
  closing.push(() => client.disconnect());
  return client;
}

const sendCommands: [string, () => Promise<SendCommand>][] = [
  ['node-redis createCluster, routed by commandKey', async () => {
    const client = await nodeRedisCluster();
    return (args) => client.sendCommand(commandKey(args), false, args);
  }],
  ['ioredis Cluster', async () => {
    const client = ioredisCluster();
    return ([command, ...args]) => client.call(command as string, ...args);
  }],
];

describe.each(sendCommands)('RedisStore over %s', (name, connect) => {
  it('300 deliveries sent twice each, a tenth of the callbacks failing once: none lost, none run twice, ids on every master', async () => {
    const prefix = `cluster-${name.split(' ')[0]}:`;
    const store = new RedisStore({ sendCommand: await connect(), prefix });
    const calls = new Map<string, number>();
    const successes = new Map<string, number>();
    const handle = promising(createWebhookHandler(maiagentPreset, {
      authToken: TOKEN,
      timeoutMs: 5000,
      store,
      log: false,
      onMessage: (message) => {
        const call = (calls.get(message.id) ?? 0) + 1;
        calls.set(message.id, call);
        // A failed callback releases its claim: the EVAL that must reach the key's shard.
        if (call === 1 && message.id.endsWith('0')) throw new Error('downstream down');
        successes.set(message.id, (successes.get(message.id) ?? 0) + 1);
      },
    }));
    const deliveries = Array.from({ length: 300 }, (_, i) => buildMaiAgentDelivery({ id: `cluster-msg-${i}` }));
    const deliver = async (body: string) => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const outcome = await handle(plainRequest({ body: { kind: 'text', text: body }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }));
        if (outcome.status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await Promise.all(deliveries.flatMap((d) => [deliver(JSON.stringify(d)), deliver(JSON.stringify(d))]));
    await handle.close();
    const perMaster = await keysOnEachMaster(own.cluster, `${prefix}*`);
    const figures = {
      lost: deliveries.filter((d) => !successes.has(d.id)).length,
      runTwice: [...successes.values()].filter((n) => n > 1).length,
      mastersHoldingIds: perMaster.filter((n) => n > 0).length,
      ids: perMaster.reduce((a, b) => a + b, 0),
    };
    printFigures(`RedisStore on a cluster (${name})`, { ...figures, perMaster });
    expect(figures).toEqual({ lost: 0, runTwice: 0, mastersHoldingIds: 3, ids: 300 });
  }, 60_000);
});

const replyOf = (conversation: string, id: string): Parameters<RedisReplyHub['publish']>[0] => ({
  reply: { platform: 'maiagent', id, conversationId: conversation, text: `text of ${id}`, createdAt: new Date() },
  message: { id } as HubReply['delivered'],
});

/** The README's wirings of RedisReplyHub on a cluster: one for the webhook's process, one for the waiting one. */
const hubWirings: [string, () => Promise<Omit<RedisReplyHubOptions, 'channel'>>][] = [
  ['node-redis createCluster, classic pub/sub', async () => {
    const client = await nodeRedisCluster();
    return { publish: (c, m) => client.publish(c, m), subscribe: (c, l) => client.subscribe(c, l) };
  }],
  ['node-redis createCluster, sharded pub/sub', async () => {
    const client = await nodeRedisCluster();
    return { publish: (c, m) => client.sPublish(c, m), subscribe: (c, l) => client.sSubscribe(c, l) };
  }],
  ['ioredis Cluster, classic pub/sub', async () => {
    const [publisher, subscriber] = [ioredisCluster(), ioredisCluster()];
    return {
      publish: (c, m) => publisher.publish(c, m),
      subscribe: (c, l) => {
        subscriber.on('message', (channel: string, message: string) => channel === c && l(message));
        return subscriber.subscribe(c);
      },
    };
  }],
  ['ioredis Cluster, sharded pub/sub (shardedSubscribers: true)', async () => {
    const [publisher, subscriber] = [ioredisCluster(), ioredisCluster({ shardedSubscribers: true })];
    return {
      publish: (c, m) => publisher.spublish(c, m),
      subscribe: (c, l) => {
        subscriber.on('smessage', (channel: string, message: string) => channel === c && l(message));
        return subscriber.ssubscribe(c);
      },
    };
  }],
];

describe.each(hubWirings)('RedisReplyHub over %s', (name, wire) => {
  it('the waiting process gets every reply the webhook\'s process publishes', async () => {
    const channel = `maiagent-webhook:replies:${name}`;
    const webhookSide = new RedisReplyHub({ channel, ...(await wire()) });
    const waitingSide = new RedisReplyHub({ channel, ...(await wire()) });
    await waitingSide.ready();
    const conversations = Array.from({ length: 20 }, (_, i) => `conversation-${i}`);
    const waits = conversations.map((c) => waitingSide.next(c, { timeoutMs: 10_000 }));
    for (const c of conversations) await webhookSide.publish(replyOf(c, `reply-of-${c}`));
    const received = await Promise.all(waits);
    expect(received.map((r) => r.reply.id)).toEqual(conversations.map((c) => `reply-of-${c}`));
  }, 30_000);
});


describe('examples/redis-cluster.ts, as the README shows it', () => {
  it('remembers a delivered id on the cluster, so the retry is answered without a second callback', async () => {
    const env = { ...process.env };
    process.env.REDIS_URL = own.cluster.rootNodes[0]?.url;
    process.env.MAIAGENT_WEBHOOK_TOKEN = TOKEN;
    const log = jest.spyOn(console, 'log').mockImplementation(() => {});
    const example = await import('../../examples/redis-cluster');
    closing.push(() => example.redis.destroy());
    // The example connects in the background; a delivery before that is answered 503 (the platform retries).
    await until(async () => example.redis.isReady, 'the example never connected to the cluster');
    const running = await listenOnLoopback(example.app);
    try {
      const delivery = buildMaiAgentDelivery();
      const statuses: number[] = [];
      for (let i = 0; i < 2; i += 1) statuses.push((await sendDelivery(`${running.url}/maiagent/webhook`, { token: TOKEN, body: delivery })).status);
      expect({ statuses, callbacks: log.mock.calls.length }).toEqual({ statuses: [200, 200], callbacks: 1 });
      expect(await ioredisCluster().get(`maiagent-webhook:maiagent:${delivery.id}`)).toBe('done');
    } finally {
      log.mockRestore();
      await running.close();
      process.env = env;
    }
  }, 30_000);
});
