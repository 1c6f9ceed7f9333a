import { identifier, listOf, orNull, timestamp } from './shapes';

/**
 * The MaiAgent reply delivery, as a JSON Schema: the source of truth for what a delivery must hold.
 *
 * Tolerant reader (README, "The message your callback gets"): the platform's own documents disagree, so every
 * documented alternative is accepted and unknown keys are kept. Only the message id and the conversation id are
 * strict; every other field may also be `null` or absent (the preset folds each into one value). Length limits
 * bound the work an attacker can cause; each is far above any documented value.
 *
 * `npm run build:validators` turns this into the standalone validator in ./generated; never compiled at run time.
 */
/** One spelling of the conversation id: the id, or null or blank when the other spelling holds it. */
const spelling = { type: ['string', 'integer', 'null'], maxLength: identifier.maxLength, minimum: identifier.minimum, maximum: identifier.maximum } as const;

export const maiagentSchema = {
  $id: 'maiagent-webhook/maiagent-message',
  type: 'object',
  required: ['id'],
  // Either spelling gives the conversation id, and the other may then be null or blank (''). Without an id in
  // `conversation`, a `conversation_id` that is there must hold one; with neither, `conversation` is the name reported.
  if: { required: ['conversation'], properties: { conversation: identifier } },
  else: {
    if: { required: ['conversation_id'], properties: { conversation_id: { not: { type: 'null' } } } },
    then: { properties: { conversation_id: identifier } },
    else: { required: ['conversation'], properties: { conversation: identifier } },
  },
  properties: {
    id: identifier,
    conversation: spelling,
    conversation_id: spelling,
    sender: {
      type: ['object', 'null'],
      properties: {
        id: { type: ['number', 'string', 'null'] },
        name: orNull('string'),
        avatar: orNull('string'),
      },
    },
    type: orNull('string'),
    content: orNull('string'),
    feedback: { type: ['null', 'string', 'object'] },
    created_at: timestamp,
    createdAt: timestamp,
    attachments: listOf({
      id: orNull('string'),
      type: orNull('string'),
      filename: orNull('string'),
      file: orNull('string'),
    }),
    citations: listOf({
      id: orNull('string'),
      filename: orNull('string'),
      file: orNull('string'),
      fileType: orNull('string'),
      size: orNull('number'),
      status: orNull('string'),
      document: orNull('string'),
      chatbotFileContent: orNull('string'),
      parser: orNull('object'),
      createdAt: { type: ['string', 'number', 'null'] },
    }),
  },
} as const;
