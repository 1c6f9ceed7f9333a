// maiagent-webhook/redis: dedupe shared by several processes. `store: new RedisStore({ sendCommand })`
export { commandKey, RedisStore } from './stores/redis';
export type { RedisStoreOptions, SendCommand } from './stores/redis';
export type { DedupeStore, ClaimState, CompletionReport, CompletionResult } from './core/store';
