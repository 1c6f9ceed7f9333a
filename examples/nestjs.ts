import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { maiagentWebhook } from 'maiagent-webhook';

export async function start(AppModule: Type<unknown>, port = 3000) {
  const app = await NestFactory.create(AppModule);
  // Before listen(), so Express runs it ahead of Nest's own JSON parser (and its 100 kB limit, which larger
  // replies exceed): the webhook reads the body itself. A controller route would sit behind that parser.
  app.use('/maiagent/webhook', maiagentWebhook({
    authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
    onMessage: async (message) => {
      console.log(`[${message.conversation}] ${message.content}`);
    },
  }));
  await app.listen(port); // every interface, as in a container; pass a host to narrow it
  return app;
}
