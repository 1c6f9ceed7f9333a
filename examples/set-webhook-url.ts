// The same as pasting the URL into the admin's Webhook field: your assistant's deliveries go to PUBLIC_URL (the
// https URL your tunnel printed) from now on.
import { createMaiAgentClient } from 'maiagent-webhook/client';

const client = createMaiAgentClient({ apiKey: process.env.MAIAGENT_API_KEY ?? '', baseUrl: process.env.MAIAGENT_API_BASE_URL });

// MaiAgent sends no Authorization header: the token travels in the query. Without it every delivery gets 401.
const token = process.env.MAIAGENT_WEBHOOK_TOKEN;
if (!token) throw new Error('MAIAGENT_WEBHOOK_TOKEN is not set: give it the token your receiver checks');
const webhookUrl = new URL('/maiagent/webhook', process.env.PUBLIC_URL);
webhookUrl.searchParams.set('token', token);

export const saved = client.chatbots.setWebhookUrl(process.env.MAIAGENT_CHATBOT_ID ?? '', webhookUrl.href).then((chatbot) => {
  console.log(`chatbot ${chatbot.id} delivers to ${webhookUrl.origin}${webhookUrl.pathname}`);
});
