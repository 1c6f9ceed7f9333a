import { identifier, listOf } from './shapes';

/**
 * The GPTBots reply delivery, V1 and V2, as a JSON Schema: the source of truth for what a delivery must hold.
 *
 * V1 (`message_type`, `text`, `flow_output`) is the shape in the GPTBots seed document and is now deprecated;
 * V2 (`output`, `usage`) is what GPTBots sends today. Which one an agent sends is not documented, so both pass,
 * told apart by the presence of `output`. Unknown keys are kept; only what a forwarding callback relies on is
 * required. `istest` probes never reach this schema (they are answered before validation).
 *
 * `npm run build:validators` turns this into the standalone validator in ./generated; never compiled at run time.
 */
export const gptbotsSchema = {
  $id: 'maiagent-webhook/gptbots-message',
  type: 'object',
  required: ['message_id', 'conversation_id', 'create_time'],
  // A body without `output` is a V1 reply, which names its `message_type`.
  if: { not: { required: ['output'] } },
  then: { required: ['message_type'] },
  properties: {
    message_id: identifier(1),
    conversation_id: identifier(0),
    // Seconds in the documents' examples, milliseconds in other GPTBots APIs: both pass, told apart by size.
    create_time: { type: 'integer', minimum: 0, maximum: 99999999999999 },
    // V1
    message_type: { type: 'string', maxLength: 64 },
    text: { type: 'string' },
    flow_output: listOf({
      content: { type: 'string' },
      branch: { type: 'string' },
      from_component_name: { type: 'string' },
    }),
    // V2
    output: listOf({
      from_component_branch: { type: 'string' },
      from_component_name: { type: 'string' },
      content: {
        type: 'object',
        properties: {
          text: { type: 'string' },
          audio: listOf({ audio: { type: 'string' }, transcript: { type: 'string' } }),
        },
      },
    }),
    usage: { type: 'object' },
  },
} as const;
