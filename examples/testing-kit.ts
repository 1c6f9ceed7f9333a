import express from 'express';
import { maiagentWebhook, type MaiAgentMessage } from 'maiagent-webhook';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';

export async function repliesReachTheInbox(): Promise<boolean> {
  const inbox: MaiAgentMessage[] = [];
  const app = express();
  app.post('/maiagent/webhook', maiagentWebhook({ authToken: 'test-token', onMessage: (m) => void inbox.push(m) }));

  const delivery = buildMaiAgentDelivery({ content: 'Your order has shipped.' });
  const { status } = await sendDelivery(app, { token: 'test-token', body: delivery });
  return status === 200 && inbox[0]?.content === 'Your order has shipped.';
}
