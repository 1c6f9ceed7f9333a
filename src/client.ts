// maiagent-webhook/client: the rest of the platform's flow. Send a message (a typed MaiAgent REST client on fetch,
// no dependency), await its reply as the webhook delivers it (ReplyHub, RedisReplyHub), recover what was missed
// (reconcile). Runs on Node and the Fetch runtimes.
export { createMaiAgentClient, DEFAULT_ASK_TIMEOUT_MS, DEFAULT_BASE_URL } from './client/client';
export type { MaiAgentClient, MaiAgentClientOptions, CallOptions, AskOptions } from './client/client';
export { MaiAgentApiError } from './client/errors';
export { ReplyHub, RedisReplyHub } from './client/reply-hub';
export type { HubReply, ReplyWaiter, WaitOptions, ReplyHubOptions, RedisReplyHubOptions } from './client/reply-hub';
export { reconcile } from './client/reconcile';
export type { ReconcileOptions, ReconcileReport } from './client/reconcile';
export type * from './client/types';
// The message types a hub's replies default to, exported here too: a user's exported function returning
// `new RedisReplyHub(...)` needs a name for them under `declaration: true` (tsc --init's default), TS2883 otherwise.
export type { MaiAgentMessage, GptBotsMessage } from './public-types';
