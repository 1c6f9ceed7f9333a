export { OUTCOMES, DEFAULT_LIMIT, DEFAULT_TIMEOUT_MS, MemoryStore, StoreDownError, StoreTimeoutError } from './shared-values';
export type { WebhookOptions, CommonOptions, InlineOptions, QueuedOptions, DeliveryContext, Rejection, DeliveryOutcome, DeliveryWarning, Logger } from './core/options';
export type { DeliverySink, QueuedDelivery } from './core/sink';
export type { ErrorCode, SuccessCode } from './core/outcomes';
export type { Outcome, OutcomeCode, Problem } from './core/types';
export type { Reply } from './core/preset';
export type { Closable, CloseOptions } from './core/handle';
export type { DedupeStore, ClaimState, CompletionReport, CompletionResult } from './core/store';
export type { MemoryStoreOptions } from './stores/memory';
export type {
  MaiAgentMessage,
  MaiAgentPayload,
  MaiAgentSender,
  MaiAgentFeedback,
  MaiAgentAttachment,
  MaiAgentCitation,
} from './presets/maiagent';
export type {
  GptBotsMessage,
  GptBotsV1Message,
  GptBotsV2Message,
  GptBotsPayload,
  GptBotsFlowOutput,
  GptBotsOutput,
  GptBotsUsage,
} from './presets/gptbots';
