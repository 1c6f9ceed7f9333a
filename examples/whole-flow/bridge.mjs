// A chat-channel bridge shaped like a LINE integration: a user's message comes in from the channel, goes to MaiAgent
// (messages.create), and the assistant's reply, delivered later to the webhook, is pushed back to that user. Plus a
// request/response endpoint (ask) and reconciliation on a schedule for deliveries MaiAgent gave up on.
import express from 'express';
import { maiagentWebhook, MemoryStore } from 'maiagent-webhook';
import { createMaiAgentClient, reconcile, ReplyHub } from 'maiagent-webhook/client';

export function createBridge({ apiKey, baseUrl, webChat, chatbotId, webhookToken, push }) {
  const maiagent = createMaiAgentClient({ apiKey, baseUrl });
  const replies = new ReplyHub();
  /** The channel's user -> their MaiAgent conversation, and back. */
  const conversationOf = new Map();
  const userOf = new Map();
  // The same options serve the webhook and reconcile: the same store, so a reply is never forwarded twice.
  const webhookOptions = {
    authToken: webhookToken,
    store: new MemoryStore(),
    replies,
    onMessage: async (message) => {
      const user = userOf.get(message.conversation);
      if (user) await push(user, message.content); // throws (and MaiAgent retries) if the channel is down
    },
  };

  const app = express();
  app.post('/maiagent/webhook', maiagentWebhook(webhookOptions));

  // The channel's own webhook: a user wrote something.
  app.post('/channel/webhook', express.json(), async (req, res) => {
    const { userId, text } = req.body;
    let conversation = conversationOf.get(userId);
    if (!conversation) {
      conversation = (await maiagent.conversations.create({ webChat })).id;
      conversationOf.set(userId, conversation);
      userOf.set(conversation, userId);
    }
    await maiagent.messages.create({ conversation, content: text });
    res.status(202).json({ queued: true }); // the reply is pushed when MaiAgent delivers it
  });

  // Request/response channels (a web form, an API): wait for the reply instead of pushing it.
  app.post('/ask', express.json(), async (req, res) => {
    const conversation = (await maiagent.conversations.create({ webChat })).id;
    const { delivered } = await maiagent.ask({ conversation, content: req.body.text }, { replies, timeoutMs: 30_000 });
    res.json({ text: delivered.content });
  });

  /** Run on a schedule (cron, setInterval): replays what MaiAgent could not deliver. */
  const reconcileMissed = (since) => reconcile({ client: maiagent, chatbotId, webhook: webhookOptions, since });

  return { app, maiagent, reconcileMissed };
}
