import type { WebhookOptions } from '../core/options';
import { gptbotsPreset, type GptBotsMessage } from './gptbots';
import { maiagentPreset, type MaiAgentMessage } from './maiagent';
import type { Preset } from './preset';

/** The same factory names and options in every runtime; only what they return differs. */
export interface PresetFactories<Handler> {
  /** Receives MaiAgent replies. */
  maiagentWebhook(options: WebhookOptions<MaiAgentMessage>): Handler;
  /** Receives GPTBots replies, V1 and V2. */
  gptbotsWebhook(options: WebhookOptions<GptBotsMessage>): Handler;
}

export type Adapter<Handler> = <Message>(preset: Preset<Message>, options: WebhookOptions<Message>) => Handler;

export function presetFactories<Handler>(adapt: Adapter<Handler>): PresetFactories<Handler> {
  return {
    maiagentWebhook: (options) => adapt(maiagentPreset, options),
    gptbotsWebhook: (options) => adapt(gptbotsPreset, options),
  };
}
