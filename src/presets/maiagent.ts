import { validate } from '../schemas/generated/maiagent.validator';
import type { GeneratedValidator } from '../core/validate';
import type { Preset, Reply } from '../core/preset';
import type { DeliveryWarning } from '../core/options';
import { epochMsText, timestampReplaced } from './timestamps';

/**
 * A MaiAgent reply delivery as it may arrive: every alternative the platform's documents show is here, and every
 * field but the two ids may also be `null` or absent, so this type is what the schema accepts (a type-level test
 * keeps the two equal).
 */
export interface MaiAgentPayload {
  /** A non-empty string, or a whole number (read as its decimal string). */
  id: string | number;
  /** One of `conversation` and `conversation_id` holds the conversation id: a non-empty string or a whole number. */
  conversation?: string | number | null;
  /** Alternative spelling of `conversation` (seen in MaiAgent's own proxy example). */
  conversation_id?: string | number | null;
  sender?: MaiAgentSender | null;
  type?: string | null;
  content?: string | null;
  feedback?: MaiAgentFeedback;
  /** Epoch milliseconds as 13 digits in the documents; epoch seconds and ISO 8601 are read too, anything else is replaced. */
  created_at?: unknown;
  /** Alternative spelling of `created_at` (the documents' parameter table and C# example). */
  createdAt?: unknown;
  attachments?: MaiAgentAttachment[] | null;
  citations?: MaiAgentCitation[] | null;
  [key: string]: unknown;
}

/** The reply handed to `onMessage`: alternatives, nulls and absences folded into the doc example's names, one value each. */
export interface MaiAgentMessage {
  /** The message id (a number in the body arrives as its decimal string); the same id arrives again when MaiAgent retries. */
  id: string;
  conversation: string;
  /** `null` when the delivery has no sender (absent or null). */
  sender: MaiAgentSender | null;
  /** `'outgoing'` for the assistant's reply; other values are passed through, not rejected. Absent when absent or null. */
  type?: string;
  /** The reply text; `''` when absent or null (a reply of attachments only). */
  content: string;
  /** `null` when absent. */
  feedback: MaiAgentFeedback;
  /**
   * Epoch milliseconds as a string of digits (13 for any date from 2001 to 2286), as in the documents' example; the
   * time the delivery was received when the body's was missing, null or unreadable (`onOutcome` is warned).
   */
  created_at: string;
  /** `[]` when absent or null. */
  attachments: MaiAgentAttachment[];
  /** `[]` when absent or null. */
  citations: MaiAgentCitation[];
  /** Keys this package does not know are kept as they came. */
  [key: string]: unknown;
}

/** Passed on as it came: each field may be absent or `null`. */
export interface MaiAgentSender {
  /** A number in the documents' example, a string in their table: both arrive. */
  id?: number | string | null;
  name?: string | null;
  /** Not necessarily a URL: the documents' own example is `"<https://example.com/avatar.jpg>"`. */
  avatar?: string | null;
  [key: string]: unknown;
}

/** `null`, `'like'`, `'dislike'`, `''` (REST) or an object (webhook documents). */
export type MaiAgentFeedback = null | string | { [key: string]: unknown };

/** Passed on as it came: each field may be absent or `null` (a `file` not yet available, say). */
export interface MaiAgentAttachment {
  id?: string | null;
  type?: string | null;
  filename?: string | null;
  file?: string | null;
  [key: string]: unknown;
}

/**
 * A cited file, passed on as it came (each field may be absent or `null`): the 2024 shape has `document`; the 2025
 * shape has `chatbotFileContent` and `parser` instead.
 */
export interface MaiAgentCitation {
  id?: string | null;
  filename?: string | null;
  file?: string | null;
  fileType?: string | null;
  size?: number | null;
  status?: string | null;
  document?: string | null;
  chatbotFileContent?: string | null;
  parser?: { [key: string]: unknown } | null;
  createdAt?: string | number | null;
  [key: string]: unknown;
}

export function toMaiAgentMessage(payload: MaiAgentPayload, receivedAt: number = Date.now()): MaiAgentMessage {
  const message: Record<string, unknown> = {
    ...payload,
    id: String(payload.id),
    // The validator guarantees one spelling holds an id; the other may be null or blank.
    conversation: String(holdsId(payload.conversation) ? payload.conversation : payload.conversation_id),
    sender: payload.sender ?? null,
    content: payload.content ?? '',
    feedback: payload.feedback ?? null,
    created_at: createdAtText(payload) ?? String(receivedAt),
    attachments: payload.attachments ?? [],
    citations: payload.citations ?? [],
  };
  // The documented spellings are the common case: only a body with the alternatives (or a null type) pays for the fold.
  if (!('conversation_id' in message) && !('createdAt' in message) && message.type !== null) return message as MaiAgentMessage;
  const { conversation_id: _conversationId, createdAt: _createdAt, ...folded } = message;
  if (folded.type === null) delete folded.type;
  return folded as MaiAgentMessage;
}

function createdAtText(payload: MaiAgentPayload): string | undefined {
  return epochMsText(payload.created_at) ?? epochMsText(payload.createdAt);
}

const CONFLICTING_CONVERSATIONS: DeliveryWarning = Object.freeze({ code: 'conflicting_conversation_ids' as const });
const ONLY_CONFLICTING_CONVERSATIONS: readonly DeliveryWarning[] = Object.freeze([CONFLICTING_CONVERSATIONS]);

/**
 * What a valid body says that someone should hear of: the two spellings of the conversation disagree
 * (`conversation` wins), or the timestamp could not be read (the time received stands in for it).
 */
function maiagentWarnings(payload: unknown): readonly DeliveryWarning[] | undefined {
  const body = payload as MaiAgentPayload;
  const replaced = createdAtText(body) === undefined ? timestampReplaced(body.created_at === undefined && body.createdAt !== undefined ? 'createdAt' : 'created_at') : undefined;
  if (!conversationsConflict(body)) return replaced;
  return replaced ? [CONFLICTING_CONVERSATIONS, ...replaced] : ONLY_CONFLICTING_CONVERSATIONS;
}

function conversationsConflict({ conversation, conversation_id: conversationId }: MaiAgentPayload): boolean {
  return holdsId(conversation) && holdsId(conversationId) && String(conversation) !== String(conversationId);
}

/** A spelling of the conversation id that holds one: not absent, null or blank. */
function holdsId(value: string | number | null | undefined): value is string | number {
  return value !== undefined && value !== null && value !== '';
}

export const maiagentPreset: Preset<MaiAgentMessage> = Object.freeze({
  platform: 'maiagent',
  factoryName: 'maiagentWebhook',
  tokenEnv: 'MAIAGENT_WEBHOOK_TOKEN',
  // MaiAgent documents no auth header at all; Bearer is what a proxy or a future platform version would send.
  authSchemes: Object.freeze(['bearer'] as const),
  validator: validate as GeneratedValidator,
  // MaiAgent documents no availability check.
  isProbe: () => false,
  toMessage: (payload: unknown, receivedAt?: number) => toMaiAgentMessage(payload as MaiAgentPayload, receivedAt),
  toReply: (message: MaiAgentMessage): Reply => ({
    platform: 'maiagent',
    id: message.id,
    conversationId: message.conversation,
    text: message.content,
    createdAt: new Date(Number(message.created_at)),
  }),
  warningsFor: maiagentWarnings,
  ackBody: JSON.stringify({ message: 'Webhook received successfully' }),
});
