// One command: the fake MaiAgent, the bridge in front of it, and the diagram played through once.
//   npm run example:whole-flow
import { FAKE_MAIAGENT_API_KEY as API_KEY, startFakeMaiAgent } from 'maiagent-webhook/testing';
import { createBridge } from './bridge.mjs';

const webhookToken = 'whole-flow-token';
const pushed = [];
let channelDown = false;

const maiagent = await startFakeMaiAgent({ replyDelayMs: 30, answer: (text) => `The assistant's answer to "${text}"` });
const { app, maiagent: client, reconcileMissed } = createBridge({
  apiKey: API_KEY,
  baseUrl: maiagent.url,
  webChat: 'web-chat-1',
  chatbotId: 'bot-1',
  webhookToken,
  push: async (user, text) => {
    if (channelDown) throw new Error('the channel is down');
    pushed.push(user);
    console.log(`pushed to ${user}: ${text}`);
  },
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
await client.chatbots.setWebhookUrl('bot-1', `${base}/maiagent/webhook?token=${webhookToken}`);
console.log(`bridge on ${base}, MaiAgent (fake) on ${maiagent.url}`);

const post = (path, body) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

// 1. A user writes on the channel; the reply is pushed back when MaiAgent delivers it.
await post('/channel/webhook', { userId: 'U-alice', text: 'When do you open?' });
await maiagent.settled();

// 2. Request/response: the caller waits for the reply.
console.log(`ask answered: ${(await (await post('/ask', { text: 'Do you ship abroad?' })).json()).text}`);

// 3. The channel is down while MaiAgent delivers (and gives up): reconcile recovers the reply later.
channelDown = true;
await post('/channel/webhook', { userId: 'U-bob', text: 'Is my order late?' });
await maiagent.settled();
channelDown = false;
console.log(`reconcile: ${JSON.stringify(await reconcileMissed())}`);
console.log(`reconcile again: ${JSON.stringify(await reconcileMissed())}`);

server.closeAllConnections();
server.close();
await maiagent.close();
