import { validate } from '../schemas/generated/maiagent.validator';
import type { GeneratedValidator } from '../core/validate';
import { neverAProbe, type Preset, type Reply } from './preset';
import type { DeliveryWarning } from '../core/options';

/**
 * A MaiAgent reply delivery as it may arrive: every alternative the platform's documents show is here,
 * so this type is what the schema accepts (a type-level test keeps the two equal).
 */
export interface MaiAgentPayload {
  id: string;
  conversation?: string;
  /** Alternative spelling of `conversation` (seen in MaiAgent's own proxy example). */
  conversation_id?: string;
  sender?: MaiAgentSender | null;
  type?: string;
  content: string;
  feedback?: MaiAgentFeedback;
  created_at?: string | number;
  /** Alternative spelling of `created_at` (the documents' parameter table and C# example). */
  createdAt?: string | number;
  attachments?: MaiAgentAttachment[];
  citations?: MaiAgentCitation[];
  [key: string]: unknown;
}

/** The reply handed to `onMessage`: alternatives folded into the doc example's names, defaults filled in. */
export interface MaiAgentMessage {
  /** The message id; the same id arrives again when MaiAgent retries. */
  id: string;
  conversation: string;
  /** `null` when the delivery has no sender (the REST schema makes it optional). */
  sender: MaiAgentSender | null;
  /** `'outgoing'` for the assistant's reply; other values are passed through, not rejected. */
  type?: string;
  content: string;
  feedback: MaiAgentFeedback;
  /** Epoch milliseconds as a 13-digit string, as in the documents' example. */
  created_at: string;
  attachments: MaiAgentAttachment[];
  citations: MaiAgentCitation[];
  /** Keys this package does not know are kept as they came. */
  [key: string]: unknown;
}

export interface MaiAgentSender {
  /** A number in the documents' example, a string in their table: both arrive. */
  id?: number | string;
  name?: string;
  /** Not necessarily a URL: the documents' own example is `"<https://example.com/avatar.jpg>"`. */
  avatar?: string;
  [key: string]: unknown;
}

/** `null`, `'like'`, `'dislike'`, `''` (REST) or an object (webhook documents). */
export type MaiAgentFeedback = null | string | { [key: string]: unknown };

export interface MaiAgentAttachment {
  id?: string;
  type?: string;
  filename?: string;
  file?: string;
  [key: string]: unknown;
}

/** A cited file: the 2024 shape has `document`; the 2025 shape has `chatbotFileContent` and `parser` instead. */
export interface MaiAgentCitation {
  id?: string;
  filename?: string;
  file?: string;
  fileType?: string;
  size?: number;
  status?: string;
  document?: string | null;
  chatbotFileContent?: string | null;
  parser?: { [key: string]: unknown } | null;
  createdAt?: string | number;
  [key: string]: unknown;
}

export function toMaiAgentMessage(payload: MaiAgentPayload): MaiAgentMessage {
  const message: MaiAgentMessage & Partial<Pick<MaiAgentPayload, 'conversation_id' | 'createdAt'>> = {
    ...payload,
    // The validator guarantees one spelling of each pair is present.
    conversation: (payload.conversation ?? payload.conversation_id) as string,
    created_at: String(payload.created_at ?? payload.createdAt),
    sender: payload.sender ?? null,
    feedback: payload.feedback ?? null,
    attachments: payload.attachments ?? [],
    citations: payload.citations ?? [],
  };
  // The documented spellings are the common case: only a body with the alternatives pays for dropping them.
  if (!('conversation_id' in message) && !('createdAt' in message)) return message;
  const { conversation_id: _conversationId, createdAt: _createdAt, ...folded } = message;
  return folded;
}

const CONFLICTING_CONVERSATIONS: readonly DeliveryWarning[] = Object.freeze([Object.freeze({ code: 'conflicting_conversation_ids' as const })]);

/** `conversation` wins when both spellings are present; when they disagree, someone should hear of it. */
function conversationConflicts(payload: unknown): readonly DeliveryWarning[] | undefined {
  const { conversation, conversation_id: conversationId } = payload as MaiAgentPayload;
  return conversation !== undefined && conversationId !== undefined && conversation !== conversationId ? CONFLICTING_CONVERSATIONS : undefined;
}

export const maiagentPreset: Preset<MaiAgentMessage> = Object.freeze({
  platform: 'maiagent',
  factoryName: 'maiagentWebhook',
  tokenEnv: 'MAIAGENT_WEBHOOK_TOKEN',
  // MaiAgent documents no auth header at all; Bearer is what a proxy or a future platform version would send.
  authSchemes: Object.freeze(['bearer'] as const),
  validator: validate as GeneratedValidator,
  isProbe: neverAProbe,
  toMessage: (payload: unknown) => toMaiAgentMessage(payload as MaiAgentPayload),
  toReply: (message: MaiAgentMessage): Reply => ({
    platform: 'maiagent',
    id: message.id,
    conversationId: message.conversation,
    text: message.content,
    createdAt: new Date(Number(message.created_at)),
  }),
  warningsFor: conversationConflicts,
  ackBody: JSON.stringify({ message: 'Webhook received successfully' }),
});
