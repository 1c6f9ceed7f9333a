// Type-level tests, checked by `npm run typecheck` (tsc): a drift between the JSON Schema and the TypeScript
// types makes the build fail, not a test run.
import type { FromSchema } from 'json-schema-to-ts';
import type { maiagentSchema } from '../../src/schemas/maiagent.schema';
import type { gptbotsSchema } from '../../src/schemas/gptbots.schema';
import type { GptBotsMessage, GptBotsPayload } from '../../src/presets/gptbots';
import type { MaiAgentMessage, MaiAgentPayload } from '../../src/presets/maiagent';
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

// The callback sees the folded names only as required strings.
assertType<Equal<MaiAgentMessage['conversation'], string>>();
assertType<Equal<MaiAgentMessage['created_at'], string>>();
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
// The callback can narrow on `version`.
export const versioned = (m: GptBotsMessage): number => (m.version === 2 ? m.output.length : m.flow_output.length);
