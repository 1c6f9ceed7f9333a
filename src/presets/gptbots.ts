import { validate } from '../schemas/generated/gptbots.validator';
import type { GeneratedValidator } from '../core/validate';
import type { Preset, Reply } from '../core/preset';
import type { DeliveryWarning } from '../core/options';
import { readEpochMs, timestampReplaced } from './timestamps';

/**
 * A GPTBots reply delivery as it may arrive, V1 or V2: every field but the two ids may also be `null` or absent
 * (a type-level test keeps this equal to the schema).
 */
export interface GptBotsPayload {
  /** A non-empty string, or a whole number (read as its decimal string). */
  message_id: string | number;
  /** A non-empty string, or a whole number (read as its decimal string). */
  conversation_id: string | number;
  /** Epoch seconds or milliseconds (a number or a string of digits) or ISO 8601 are read; anything else is replaced. */
  create_time?: unknown;
  message_type?: string | null;
  text?: string | null;
  flow_output?: GptBotsFlowOutput[] | null;
  output?: GptBotsOutput[] | null;
  usage?: GptBotsUsage | null;
  [key: string]: unknown;
}

interface GptBotsMessageBase {
  /** The message id (a number in the body arrives as its decimal string). */
  message_id: string;
  conversation_id: string;
  /**
   * Milliseconds since the epoch, whichever unit or form the delivery used (seconds are multiplied by 1000); the time
   * the delivery was received when the body's was missing, null or unreadable (`onOutcome` is warned).
   */
  create_time: number;
  /** Keys this package does not know are kept as they came. */
  [key: string]: unknown;
}

/** The deprecated V1 shape, still documented in the GPTBots seed document. */
export interface GptBotsV1Message extends GptBotsMessageBase {
  version: 1;
  /** `'ANSWER'` or `'QUESTION'`; other values are passed on, not refused. Absent when absent or null. */
  message_type?: string;
  /** Absent when absent or null. */
  text?: string;
  /** `[]` when absent or null. */
  flow_output: GptBotsFlowOutput[];
}

/** The current V2 shape. */
export interface GptBotsV2Message extends GptBotsMessageBase {
  version: 2;
  /** `[]` when absent or null. */
  output: GptBotsOutput[];
  /** Absent when absent or null. */
  usage?: GptBotsUsage;
}

/** What `onMessage` receives from `gptbotsWebhook`: `version` says which shape arrived. */
export type GptBotsMessage = GptBotsV1Message | GptBotsV2Message;

/** Passed on as it came: each field may be absent or `null` (GPTBots' own examples show `"branch": null`). */
export interface GptBotsFlowOutput {
  content?: string | null;
  branch?: string | null;
  from_component_name?: string | null;
  [key: string]: unknown;
}

/** Passed on as it came: each field may be absent or `null` (`from_component_branch` is empty for non-Flow Agents). */
export interface GptBotsOutput {
  from_component_branch?: string | null;
  from_component_name?: string | null;
  content?: {
    text?: string | null;
    audio?: { audio?: string | null; transcript?: string | null; [key: string]: unknown }[] | null;
    [key: string]: unknown;
  } | null;
  [key: string]: unknown;
}

/** Token and credit counts (`usage.tokens`, `usage.credits`), passed on as sent. */
export interface GptBotsUsage {
  [key: string]: unknown;
}

export function toGptBotsMessage(payload: GptBotsPayload, receivedAt: number = Date.now()): GptBotsMessage {
  const message_id = String(payload.message_id);
  const conversation_id = String(payload.conversation_id);
  const create_time = readEpochMs(payload.create_time) ?? receivedAt;
  // Each message is this function's own copy: dropping the keys that came null leaves the caller's body as it was.
  if (isV1(payload)) {
    const message: Record<string, unknown> = { ...payload, message_id, conversation_id, create_time, version: 1, flow_output: payload.flow_output ?? [] };
    if (message.message_type === null) delete message.message_type;
    if (message.text === null) delete message.text;
    return message as GptBotsV1Message;
  }
  const message: Record<string, unknown> = { ...payload, message_id, conversation_id, create_time, version: 2, output: payload.output ?? [] };
  if (message.usage === null) delete message.usage;
  return message as GptBotsV2Message;
}

/** V2 when `output` is a list; otherwise V1 when a V1 field is there (even null); otherwise V2, what GPTBots sends today. */
function isV1(payload: GptBotsPayload): boolean {
  return !Array.isArray(payload.output) && (payload.message_type !== undefined || payload.text !== undefined || payload.flow_output !== undefined);
}

function replyText(message: GptBotsMessage): string {
  if (message.version === 2) return message.output.flatMap((o) => (typeof o.content?.text === 'string' ? [o.content.text] : [])).join('\n\n');
  return message.text ?? message.flow_output.flatMap((f) => (typeof f.content === 'string' ? [f.content] : [])).join('\n\n');
}

function gptbotsWarnings(payload: unknown): readonly DeliveryWarning[] | undefined {
  return readEpochMs((payload as GptBotsPayload).create_time) === undefined ? timestampReplaced('create_time') : undefined;
}

/** `istest: true` marks GPTBots' availability check (`POST /v1/webhook/check`); its other fields are undocumented. */
function isAvailabilityProbe(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { istest?: unknown }).istest === true;
}

export const gptbotsPreset: Preset<GptBotsMessage> = Object.freeze({
  platform: 'gptbots',
  factoryName: 'gptbotsWebhook',
  tokenEnv: 'GPTBOTS_WEBHOOK_TOKEN',
  // GPTBots documents `Authorization: Bearer OR Basic ${token}` (the raw token after either word).
  authSchemes: Object.freeze(['bearer', 'basic'] as const),
  validator: validate as GeneratedValidator,
  isProbe: isAvailabilityProbe,
  toMessage: (payload: unknown, receivedAt?: number) => toGptBotsMessage(payload as GptBotsPayload, receivedAt),
  warningsFor: gptbotsWarnings,
  toReply: (message: GptBotsMessage): Reply => ({
    platform: 'gptbots',
    id: message.message_id,
    conversationId: message.conversation_id,
    text: replyText(message),
    createdAt: new Date(message.create_time),
  }),
  ackBody: JSON.stringify({ code: 200, msg: 'success' }),
});
