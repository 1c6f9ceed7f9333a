import { identifier, listOf, orNull, timestamp } from './shapes';

/**
 * The GPTBots reply delivery, V1 and V2, as a JSON Schema: the source of truth for what a delivery must hold.
 *
 * V1 (`message_type`, `text`, `flow_output`) is the shape in the GPTBots seed document and is now deprecated;
 * V2 (`output`, `usage`) is what GPTBots sends today. Which one an agent sends is not documented, so both pass
 * (the preset tells them apart). Unknown keys are kept. Only the message id and the conversation id are strict;
 * every other field may also be `null` or absent (the preset folds each into one value). `istest` probes never
 * reach this schema (they are answered before validation).
 *
 * `npm run build:validators` turns this into the standalone validator in ./generated; never compiled at run time.
 */
export const gptbotsSchema = {
  $id: 'maiagent-webhook/gptbots-message',
  type: 'object',
  required: ['message_id', 'conversation_id'],
  properties: {
    message_id: identifier,
    conversation_id: identifier,
    // Seconds in the documents' examples, milliseconds in other GPTBots APIs: both read, told apart by size.
    create_time: timestamp,
    // V1
    message_type: orNull('string'),
    text: orNull('string'),
    flow_output: listOf({
      content: orNull('string'),
      branch: orNull('string'),
      from_component_name: orNull('string'),
    }),
    // V2
    output: listOf({
      from_component_branch: orNull('string'),
      from_component_name: orNull('string'),
      content: {
        type: ['object', 'null'],
        properties: {
          text: orNull('string'),
          audio: listOf({ audio: orNull('string'), transcript: orNull('string') }),
        },
      },
    }),
    usage: orNull('object'),
  },
} as const;
