import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

export const app = express();

app.post('/maiagent/webhook', maiagentWebhook({
  authToken: process.env.MAIAGENT_WEBHOOK_TOKEN,
  onMessage: async (message) => {
    console.log(`[${message.conversation}] ${message.content}`);
  },
  onOutcome: ({ status, code, messageId, durationMs, warnings }) => {
    // One line per delivery: a burst of 401s after a token rotation, or of 422s after a payload change, shows here.
    console.info(`maiagent ${status} ${code} ${messageId ?? '-'} ${durationMs.toFixed(1)} ms`);
    for (const warning of warnings) console.warn(`maiagent warning ${warning.code} ${messageId ?? '-'}`);
  },
}));
