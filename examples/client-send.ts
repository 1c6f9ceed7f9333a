import { createMaiAgentClient, MaiAgentApiError } from 'maiagent-webhook/client';

const maiagent = createMaiAgentClient({ apiKey: process.env.MAIAGENT_API_KEY ?? '', baseUrl: process.env.MAIAGENT_API_BASE_URL });

// A conversation for a new user (the Web Chat ID is at the bottom of the assistant's page), then their message.
// The receipt is the stored user message, not the reply: the reply reaches your webhook later.
export async function startConversation(webChat: string, firstMessage: string) {
  const conversation = await maiagent.conversations.create({ webChat });
  try {
    const receipt = await maiagent.messages.create({ conversation: conversation.id, content: firstMessage });
    return { conversation: conversation.id, sentMessageId: receipt.id };
  } catch (error) {
    // Never retried for you: MaiAgent may have stored the message before the answer was lost.
    if (error instanceof MaiAgentApiError) console.error(`messages.create failed (${error.status ?? 'no answer'}): ${error.message}`);
    throw error;
  }
}
