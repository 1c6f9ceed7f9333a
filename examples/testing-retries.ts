import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maiagentWebhook } from 'maiagent-webhook/node';
import { buildMaiAgentDelivery, deliverWithRetries, sendDelivery } from 'maiagent-webhook/testing';

const token = 'test-token';

test('a callback that fails twice is retried, and its work is done once', async () => {
  let attempts = 0;
  const done: string[] = [];
  const webhook = maiagentWebhook({
    authToken: token,
    log: false,
    onMessage: (message) => {
      attempts += 1;
      if (attempts <= 2) throw new Error('the CRM is down');
      done.push(message.id);
    },
  });
  const delivery = buildMaiAgentDelivery({ content: 'Your order has shipped.' });

  const report = await deliverWithRetries(async () => (await sendDelivery(webhook, { token, body: delivery })).status, { backoffMs: 10 });

  assert.deepEqual(report, { delivered: true, statuses: [500, 500, 200] });
  assert.deepEqual(done, [delivery.id]);
});

test('a retry of a delivered reply is answered 200 without running the callback again', async () => {
  const done: string[] = [];
  const webhook = maiagentWebhook({ authToken: token, onMessage: (message) => void done.push(message.id) });
  const delivery = buildMaiAgentDelivery();

  const statuses: number[] = [];
  for (let retry = 0; retry < 3; retry += 1) statuses.push((await sendDelivery(webhook, { token, body: delivery })).status);

  assert.deepEqual(statuses, [200, 200, 200]);
  assert.deepEqual(done, [delivery.id]);
});
