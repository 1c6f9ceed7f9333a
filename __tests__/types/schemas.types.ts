// Type-level tests, checked by `npm run typecheck` (tsc): a drift between the JSON Schema and the TypeScript
// types makes the build fail, not a test run.
import type { FromSchema } from 'json-schema-to-ts';
import type { maiagentSchema } from '../../src/schemas/maiagent.schema';
import type { gptbotsSchema } from '../../src/schemas/gptbots.schema';
import type { GptBotsFlowOutput, GptBotsMessage, GptBotsOutput, GptBotsPayload } from '../../src/presets/gptbots';
import type { MaiAgentAttachment, MaiAgentCitation, MaiAgentMessage, MaiAgentPayload, MaiAgentSender } from '../../src/presets/maiagent';
import type { WebhookOptions } from '../../src/core/options';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

type SchemaPayload = FromSchema<typeof maiagentSchema>;

// Whatever the schema accepts is a MaiAgentPayload, and every MaiAgentPayload field is typed as the schema says.
assertType<MutuallyAssignable<SchemaPayload, MaiAgentPayload>>();
assertType<Equal<SchemaPayload['id'], MaiAgentPayload['id']>>();
assertType<Equal<SchemaPayload['content'], MaiAgentPayload['content']>>();
assertType<Equal<NonNullable<SchemaPayload['created_at']>, NonNullable<MaiAgentPayload['created_at']>>>();
assertType<Equal<NonNullable<SchemaPayload['createdAt']>, NonNullable<MaiAgentPayload['createdAt']>>>();
assertType<MutuallyAssignable<NonNullable<SchemaPayload['sender']>, NonNullable<MaiAgentPayload['sender']>>>();
assertType<MutuallyAssignable<NonNullable<SchemaPayload['citations']>, NonNullable<MaiAgentPayload['citations']>>>();
assertType<MutuallyAssignable<NonNullable<SchemaPayload['attachments']>, NonNullable<MaiAgentPayload['attachments']>>>();
assertType<MutuallyAssignable<SchemaPayload['feedback'], MaiAgentPayload['feedback']>>();
// Issue 25: only the ids are strict (a number allowed); every other field may be null, a timestamp anything at all.
assertType<Equal<SchemaPayload['conversation'], MaiAgentPayload['conversation']>>();
assertType<Equal<SchemaPayload['conversation_id'], MaiAgentPayload['conversation_id']>>();
assertType<Equal<SchemaPayload['type'], MaiAgentPayload['type']>>();
assertType<Equal<SchemaPayload['created_at'], MaiAgentPayload['created_at']>>();
assertType<Equal<SchemaPayload['sender'], MaiAgentPayload['sender']>>();
assertType<MutuallyAssignable<SchemaPayload['attachments'], MaiAgentPayload['attachments']>>();
assertType<MutuallyAssignable<SchemaPayload['citations'], MaiAgentPayload['citations']>>();
type SchemaAttachment = NonNullable<SchemaPayload['attachments']>[number];
type SchemaCitation = NonNullable<SchemaPayload['citations']>[number];
assertType<Equal<SchemaAttachment['file'], MaiAgentAttachment['file']>>();
assertType<Equal<SchemaAttachment['id'], MaiAgentAttachment['id']>>();
assertType<Equal<SchemaCitation['size'], MaiAgentCitation['size']>>();
assertType<Equal<SchemaCitation['createdAt'], MaiAgentCitation['createdAt']>>();
assertType<Equal<NonNullable<SchemaPayload['sender']>['name'], MaiAgentSender['name']>>();
assertType<Equal<NonNullable<SchemaPayload['sender']>['id'], MaiAgentSender['id']>>();

// The callback sees the folded names only, each with one value: required strings, lists, null for no sender.
assertType<Equal<MaiAgentMessage['id'], string>>();
assertType<Equal<MaiAgentMessage['conversation'], string>>();
assertType<Equal<MaiAgentMessage['created_at'], string>>();
assertType<Equal<MaiAgentMessage['content'], string>>();
assertType<Equal<MaiAgentMessage['type'], string | undefined>>();
assertType<Equal<MaiAgentMessage['attachments'], MaiAgentAttachment[]>>();
assertType<Equal<MaiAgentMessage['citations'], MaiAgentCitation[]>>();
assertType<Equal<MaiAgentMessage['sender'], MaiAgentPayload['sender'] & {} | null>>();

// `process.env.X` (string | undefined) is accepted by the types; the factory rejects undefined at start-up.
assertType<Equal<undefined extends WebhookOptions<MaiAgentMessage>['authToken'] ? true : false, true>>();

// @ts-expect-error a misspelt field is a type error in the callback
export const misspelt = (m: MaiAgentMessage): string => m.createdAt.toString();

// GPTBots: the same guarantee for its schema and payload type.
type GptBotsSchemaPayload = FromSchema<typeof gptbotsSchema>;
assertType<MutuallyAssignable<GptBotsSchemaPayload, GptBotsPayload>>();
assertType<Equal<GptBotsSchemaPayload['create_time'], GptBotsPayload['create_time']>>();
assertType<MutuallyAssignable<NonNullable<GptBotsSchemaPayload['output']>, NonNullable<GptBotsPayload['output']>>>();
assertType<MutuallyAssignable<NonNullable<GptBotsSchemaPayload['flow_output']>, NonNullable<GptBotsPayload['flow_output']>>>();
assertType<Equal<GptBotsSchemaPayload['message_id'], GptBotsPayload['message_id']>>();
assertType<Equal<GptBotsSchemaPayload['conversation_id'], GptBotsPayload['conversation_id']>>();
assertType<Equal<GptBotsSchemaPayload['message_type'], GptBotsPayload['message_type']>>();
assertType<Equal<GptBotsSchemaPayload['text'], GptBotsPayload['text']>>();
assertType<MutuallyAssignable<GptBotsSchemaPayload['usage'], GptBotsPayload['usage']>>();
type SchemaOutput = NonNullable<GptBotsSchemaPayload['output']>[number];
type SchemaFlowOutput = NonNullable<GptBotsSchemaPayload['flow_output']>[number];
assertType<Equal<SchemaOutput['from_component_branch'], GptBotsOutput['from_component_branch']>>();
assertType<Equal<SchemaOutput['from_component_name'], GptBotsOutput['from_component_name']>>();
assertType<Equal<NonNullable<SchemaOutput['content']>['text'], NonNullable<GptBotsOutput['content']>['text']>>();
assertType<MutuallyAssignable<SchemaOutput['content'], GptBotsOutput['content']>>();
assertType<Equal<SchemaFlowOutput['branch'], GptBotsFlowOutput['branch']>>();
assertType<Equal<SchemaFlowOutput['content'], GptBotsFlowOutput['content']>>();
// The callback's message: ids as strings, create_time always a number, lists always lists.
assertType<Equal<GptBotsMessage['message_id'], string>>();
assertType<Equal<GptBotsMessage['conversation_id'], string>>();
assertType<Equal<GptBotsMessage['create_time'], number>>();
assertType<Equal<Extract<GptBotsMessage, { version: 1 }>['flow_output'], GptBotsFlowOutput[]>>();
assertType<Equal<Extract<GptBotsMessage, { version: 2 }>['output'], GptBotsOutput[]>>();
// The callback can narrow on `version`.
export const versioned = (m: GptBotsMessage): number => (m.version === 2 ? m.output.length : m.flow_output.length);
