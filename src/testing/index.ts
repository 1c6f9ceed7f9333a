import type { GptBotsPayload } from '../presets/gptbots';
import type { MaiAgentPayload } from '../presets/maiagent';

/**
 * A valid MaiAgent delivery body, shaped like the platform documents' example, with a fresh `id` each call
 * (so the same body is never mistaken for a retry). Override any field; `undefined` removes it.
 */
export function buildMaiAgentDelivery(overrides: Partial<Record<keyof MaiAgentPayload, unknown>> = {}): MaiAgentPayload {
  return withoutUndefined({
    id: globalThis.crypto.randomUUID(),
    conversation: 'conv-0001',
    sender: { id: 789, name: 'Assistant', avatar: 'https://example.com/avatar.jpg' },
    type: 'outgoing',
    content: '您好！這是 AI 助理的回覆。',
    feedback: null,
    created_at: '1728219442000',
    attachments: [],
    citations: [],
    ...overrides,
  }) as MaiAgentPayload;
}

/** A valid GPTBots V2 delivery body (the shape GPTBots sends today), with a fresh `message_id` each call. */
export function buildGptBotsDelivery(overrides: Partial<Record<keyof GptBotsPayload, unknown>> = {}): GptBotsPayload {
  return withoutUndefined({
    message_id: globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 24),
    conversation_id: '657303a8a764d47094874bbe',
    create_time: 1679587005,
    output: [{ from_component_branch: '1', from_component_name: 'Reply', content: { text: '您好！這是 AI 助理的回覆。' } }],
    usage: { tokens: { total_tokens: 29, prompt_tokens: 19, completion_tokens: 10 }, credits: { total_credits: 0 } },
    ...overrides,
  }) as GptBotsPayload;
}

function withoutUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}
