import { validate } from '../schemas/generated/gptbots.validator';
import type { GeneratedValidator } from '../core/validate';
import { noWarnings, type Preset, type Reply } from './preset';

/** A GPTBots reply delivery as it may arrive, V1 or V2 (a type-level test keeps this equal to the schema). */
export interface GptBotsPayload {
  message_id: string;
  conversation_id: string;
  /** Seconds or milliseconds since the epoch. */
  create_time: number;
  message_type?: string;
  text?: string;
  flow_output?: GptBotsFlowOutput[];
  output?: GptBotsOutput[];
  usage?: GptBotsUsage;
  [key: string]: unknown;
}

interface GptBotsMessageBase {
  message_id: string;
  conversation_id: string;
  /** Milliseconds since the epoch, whichever unit the delivery used (10-digit seconds are multiplied by 1000). */
  create_time: number;
  /** Keys this package does not know are kept as they came. */
  [key: string]: unknown;
}

/** The deprecated V1 shape, still documented in the GPTBots seed document. */
export interface GptBotsV1Message extends GptBotsMessageBase {
  version: 1;
  /** `'ANSWER'` or `'QUESTION'`; other values are passed on, not refused. */
  message_type: string;
  text?: string;
  /** `[]` when absent. */
  flow_output: GptBotsFlowOutput[];
}

/** The current V2 shape. */
export interface GptBotsV2Message extends GptBotsMessageBase {
  version: 2;
  output: GptBotsOutput[];
  usage?: GptBotsUsage;
}

/** What `onMessage` receives from `gptbotsWebhook`: `version` says which shape arrived. */
export type GptBotsMessage = GptBotsV1Message | GptBotsV2Message;

export interface GptBotsFlowOutput {
  content?: string;
  branch?: string;
  from_component_name?: string;
  [key: string]: unknown;
}

export interface GptBotsOutput {
  from_component_branch?: string;
  from_component_name?: string;
  content?: { text?: string; audio?: { audio?: string; transcript?: string; [key: string]: unknown }[]; [key: string]: unknown };
  [key: string]: unknown;
}

/** Token and credit counts (`usage.tokens`, `usage.credits`), passed on as sent. */
export interface GptBotsUsage {
  [key: string]: unknown;
}

/** Below 10^11 a timestamp can only be seconds: as milliseconds it would fall in 1973. */
const SECONDS_BELOW = 1e11;

export function toGptBotsMessage(payload: GptBotsPayload): GptBotsMessage {
  const create_time = payload.create_time < SECONDS_BELOW ? payload.create_time * 1000 : payload.create_time;
  if (payload.output !== undefined) return { ...payload, version: 2, create_time, output: payload.output };
  return { ...payload, version: 1, create_time, message_type: payload.message_type as string, flow_output: payload.flow_output ?? [] };
}

function replyText(message: GptBotsMessage): string {
  if (message.version === 2) return message.output.flatMap((o) => (o.content?.text === undefined ? [] : [o.content.text])).join('\n\n');
  return message.text ?? message.flow_output.flatMap((f) => (f.content === undefined ? [] : [f.content])).join('\n\n');
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
  toMessage: (payload: unknown) => toGptBotsMessage(payload as GptBotsPayload),
  warningsFor: noWarnings,
  toReply: (message: GptBotsMessage): Reply => ({
    platform: 'gptbots',
    id: message.message_id,
    conversationId: message.conversation_id,
    text: replyText(message),
    createdAt: new Date(message.create_time),
  }),
  ackBody: JSON.stringify({ code: 200, msg: 'success' }),
});
