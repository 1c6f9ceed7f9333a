import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createMaiAgentClient, ReplyHub } from 'maiagent-webhook/client';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { FAKE_MAIAGENT_API_KEY, startFakeMaiAgent, type FakeMaiAgent } from 'maiagent-webhook/testing';

const token = 'test-token';
const replies = new ReplyHub();
const receiver = createServer(maiagentWebhook({ authToken: token, replies, onMessage: () => {} }));
let fake: FakeMaiAgent;

before(async () => {
  fake = await startFakeMaiAgent({ answer: (text) => `You asked: ${text}` });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  const maiagent = createMaiAgentClient({ apiKey: FAKE_MAIAGENT_API_KEY, baseUrl: fake.url });
  await maiagent.chatbots.setWebhookUrl('bot-1', `http://127.0.0.1:${port}/maiagent/webhook?token=${token}`);
});

after(async () => {
  receiver.close();
  await fake.close();
});

test('ask answers with the reply the fake MaiAgent delivered to the webhook', async () => {
  const maiagent = createMaiAgentClient({ apiKey: FAKE_MAIAGENT_API_KEY, baseUrl: fake.url });
  const { delivered } = await maiagent.ask({ conversation: 'conv-1', content: 'When do you open?' }, { replies, timeoutMs: 5_000 });
  assert.equal(delivered.content, 'You asked: When do you open?');
  await fake.settled();
  assert.deepEqual(fake.webhookRecords.map((record) => record.statusCode), [200]);
});

test('a send MaiAgent refuses ends ask with its status, and nothing is sent twice', async () => {
  const maiagent = createMaiAgentClient({ apiKey: FAKE_MAIAGENT_API_KEY, baseUrl: fake.url });
  fake.failNext.set('messages/', [503]);
  const sends = () => fake.requests.filter((request) => request.path === 'messages/').length;
  const sentBefore = sends();
  await assert.rejects(maiagent.ask({ conversation: 'conv-2', content: 'Hello?' }, { replies }), { name: 'MaiAgentApiError', status: 503 });
  assert.equal(sends() - sentBefore, 1);
});
