// Each reply is forwarded to a downstream chat service; if that fails, the webhook answers 500 and MaiAgent retries.
import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

const token = process.env.MAIAGENT_WEBHOOK_TOKEN ?? 'example-token';
let downstream = process.env.DOWNSTREAM_URL;

if (!downstream) {
  // No chat service given: start a stand-in that prints what it receives.
  const chat = express().post('/messages', express.json(), (req, res) => {
    console.log(`chat service got: ${JSON.stringify(req.body)}`);
    res.status(202).end();
  });
  const chatServer = chat.listen(0, '127.0.0.1');
  await new Promise((resolve) => chatServer.once('listening', resolve));
  downstream = `http://127.0.0.1:${chatServer.address().port}/messages`;
}

const app = express();
app.post('/maiagent/webhook', maiagentWebhook({
  authToken: token,
  timeoutMs: 5000,
  onMessage: async (message, { reply, signal }) => {
    const response = await fetch(downstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversation: reply.conversationId, text: reply.text, messageId: reply.id }),
      signal, // aborted when timeoutMs passes
    });
    if (!response.ok) throw new Error(`chat service answered ${response.status}`);
  },
  onRejected: (rejection) => console.log(`not delivered: ${rejection.status} ${rejection.code}`),
}));

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}/maiagent/webhook, forwarding to ${downstream}`);
});
