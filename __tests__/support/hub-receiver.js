// A receiver process that publishes each delivered reply over Redis (RedisReplyHub), on the package's fresh build:
//   node hub-receiver.js <buildDir> <redisUrl> <channel>
'use strict';
const http = require('node:http');
const { createClient } = require('redis');
const [buildDir, redisUrl, channel] = process.argv.slice(2);
const { maiagentWebhook } = require(`${buildDir}/node.js`);
const { RedisReplyHub } = require(`${buildDir}/client.js`);

async function main() {
  const publisher = createClient({ url: redisUrl });
  await publisher.connect();
  const replies = new RedisReplyHub({ channel, publish: (c, m) => publisher.publish(c, m), subscribe: async () => {} });
  const webhook = maiagentWebhook({ authToken: process.env.WEBHOOK_TOKEN, replies, onMessage: () => {} });
  const server = http.createServer(webhook);
  server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
  process.on('message', async (command) => {
    if (command !== 'exit') return;
    await webhook.close();
    server.close();
    await publisher.quit();
    process.disconnect();
  });
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
