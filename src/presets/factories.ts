import type { WebhookOptions } from '../core/options';
import type { GptBotsMessage } from './gptbots';
import type { MaiAgentMessage } from './maiagent';
import type { Preset } from '../core/preset';
import { MemoryStore } from '../stores/memory';

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
    maiagentWebhook: (options) => adapt(loadMaiAgentPreset(), withDefaultStore(options)),
    gptbotsWebhook: (options) => adapt(loadGptBotsPreset(), withDefaultStore(options)),
  };
}

/**
 * The options with the default store filled in, chosen here where the factories are assembled (the core knows no
 * store): a `MemoryStore` of this process, unless the caller chose one (or `false`) or hands deliveries to a queue,
 * whose job id is the message id, so the queue itself turns the platform's retries into one job. A copy: the caller's
 * object is never written; anything but an object is passed on for the core to refuse.
 */
export function withDefaultStore<Message>(options: WebhookOptions<Message>): WebhookOptions<Message> {
  if (typeof options !== 'object' || options === null || options.store !== undefined || options.deliverTo !== undefined) return options;
  return { ...options, store: new MemoryStore() };
}

/** A platform's preset, loaded (with its generated validator) on first use. */
export function loadPreset(platform: 'maiagent'): Preset<MaiAgentMessage>;
export function loadPreset(platform: 'gptbots'): Preset<GptBotsMessage>;
export function loadPreset(platform: 'maiagent' | 'gptbots'): Preset<MaiAgentMessage> | Preset<GptBotsMessage> {
  return platform === 'maiagent' ? loadMaiAgentPreset() : loadGptBotsPreset();
}

// A preset and its generated validator load when its factory is first called, so a process that serves one
// platform never runs the other's module code: start-up stays close to a bare server's.
/* eslint-disable @typescript-eslint/no-require-imports -- require() is what loads a CommonJS module on demand, synchronously */
function loadMaiAgentPreset(): Preset<MaiAgentMessage> {
  return (require('./maiagent') as typeof import('./maiagent')).maiagentPreset;
}

function loadGptBotsPreset(): Preset<GptBotsMessage> {
  return (require('./gptbots') as typeof import('./gptbots')).gptbotsPreset;
}
/* eslint-enable @typescript-eslint/no-require-imports */
