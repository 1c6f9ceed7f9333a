// Type-level tests of the public API, checked by `npm run typecheck` (expect-type).
import { expectTypeOf } from 'expect-type';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import * as expressEntry from 'maiagent-webhook';
import * as nodeEntry from 'maiagent-webhook/node';
import * as fetchEntry from 'maiagent-webhook/fetch';
import type { CloseOptions, DedupeStore, DeliveryContext, DeliveryOutcome, GptBotsMessage, MaiAgentMessage, Rejection, Reply, WebhookOptions } from 'maiagent-webhook';

// The message each factory hands to its callback.
expectTypeOf(expressEntry.maiagentWebhook).parameter(0).toEqualTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf(expressEntry.gptbotsWebhook).parameter(0).toEqualTypeOf<WebhookOptions<GptBotsMessage>>();
expectTypeOf<Parameters<NonNullable<WebhookOptions<MaiAgentMessage>['onMessage']>>>().toEqualTypeOf<[MaiAgentMessage, DeliveryContext]>();
// Either a callback or a sink, never both, never neither.
expectTypeOf<{ authToken: 'x'; deliverTo: { enqueue: () => Promise<void> } }>().toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<{ authToken: 'x'; deliverTo: { enqueue: () => Promise<void> }; onMessage: () => void }>().not.toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<MaiAgentMessage['sender']>().toEqualTypeOf<MaiAgentMessage['sender'] & {} | null>();
expectTypeOf<Extract<GptBotsMessage, { version: 2 }>['output']>().toBeArray();
expectTypeOf<Extract<GptBotsMessage, { version: 1 }>['message_type']>().toEqualTypeOf<string | undefined>();
expectTypeOf<GptBotsMessage['create_time']>().toBeNumber();
expectTypeOf<DeliveryContext['reply']>().toEqualTypeOf<Reply>();
expectTypeOf<Reply['createdAt']>().toEqualTypeOf<Date>();
expectTypeOf<DeliveryContext['signal']>().toEqualTypeOf<AbortSignal>();

// The options: what each accepts.
expectTypeOf<{ authToken: string; onMessage: () => void }>().toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<{ authToken: string[]; onMessage: () => void; limit: '2mb'; timeoutMs: 5000; store: false }>().toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<{ authToken: false; onMessage: () => void }>().toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<{ authToken: 'x' }>().not.toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<{ authToken: 'x'; onMessage: () => void; limit: true }>().not.toMatchTypeOf<WebhookOptions<MaiAgentMessage>>();
expectTypeOf<Rejection['code']>().toEqualTypeOf<Exclude<import('maiagent-webhook').OutcomeCode, 'delivered' | 'enqueued' | 'duplicate' | 'probe_acknowledged'>>();

// onOutcome: what it is told; a store of one's own, with or without a completion report.
expectTypeOf<Parameters<NonNullable<WebhookOptions<MaiAgentMessage>['onOutcome']>>>().toEqualTypeOf<[DeliveryOutcome]>();
expectTypeOf<DeliveryOutcome['warnings'][number]['code']>().toEqualTypeOf<'store_record_failed' | 'dedupe_evicted_early' | 'conflicting_conversation_ids' | 'timestamp_replaced'>();
expectTypeOf<{ claim: () => Promise<'claimed'>; complete: () => Promise<void>; release: () => void }>().toMatchTypeOf<DedupeStore>();
expectTypeOf<{ claim: () => 'done'; complete: () => { evictedEarly: number }; release: () => Promise<void> }>().toMatchTypeOf<DedupeStore>();
expectTypeOf(new expressEntry.StoreTimeoutError('claim', 1)).toMatchTypeOf<Error>();

// What each runtime returns, all closable.
expectTypeOf(expressEntry.maiagentWebhook).returns.toMatchTypeOf<RequestHandler>();
expectTypeOf(nodeEntry.maiagentWebhook).returns.toMatchTypeOf<(req: IncomingMessage, res: ServerResponse) => void>();
expectTypeOf(fetchEntry.gptbotsWebhook).returns.toMatchTypeOf<(request: Request) => Promise<Response>>();
expectTypeOf(fetchEntry.gptbotsWebhook).returns.toHaveProperty('close').toEqualTypeOf<(options?: CloseOptions) => Promise<void>>();
expectTypeOf<CloseOptions>().toEqualTypeOf<{ timeoutMs?: number | undefined }>();
