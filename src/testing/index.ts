import type { MaiAgentPayload } from '../presets/maiagent';

/**
 * A valid MaiAgent delivery body, shaped like the platform documents' example, with a fresh `id` each call
 * (so the same body is never mistaken for a retry). Override any field; `undefined` removes it.
 */
export function buildMaiAgentDelivery(overrides: Partial<Record<keyof MaiAgentPayload, unknown>> = {}): MaiAgentPayload {
  const delivery: Record<string, unknown> = {
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
  };
  return Object.fromEntries(Object.entries(delivery).filter(([, value]) => value !== undefined)) as MaiAgentPayload;
}
