import { identifier, listOf } from './shapes';

/**
 * The MaiAgent reply delivery, as a JSON Schema: the source of truth for what a delivery must hold.
 *
 * Tolerant reader (README, "The message your callback gets"): the platform's own documents disagree, so every
 * documented alternative is accepted and unknown keys are kept. Only what the package and a forwarding callback
 * rely on is required. Length limits bound the work an attacker can cause; each is far above any documented value.
 *
 * `npm run build:validators` turns this into the standalone validator in ./generated; never compiled at run time.
 */
/** A string of 13 digits (epoch milliseconds) as documented; a number of 13 digits is accepted defensively. */
const epochMilliseconds = {
  anyOf: [
    { type: 'string', pattern: '^\\d{13}$' },
    { type: 'integer', minimum: 1000000000000, maximum: 9999999999999 },
  ],
} as const;

export const maiagentSchema = {
  $id: 'maiagent-webhook/maiagent-message',
  type: 'object',
  required: ['id', 'content'],
  // Either spelling satisfies each pair; the doc example's name is the one reported when both are missing.
  allOf: [
    { if: { not: { required: ['conversation_id'] } }, then: { required: ['conversation'] } },
    { if: { not: { required: ['createdAt'] } }, then: { required: ['created_at'] } },
  ],
  properties: {
    id: identifier(1),
    conversation: identifier(0),
    conversation_id: identifier(0),
    sender: {
      type: ['object', 'null'],
      properties: {
        id: { type: ['number', 'string'] },
        name: { type: 'string' },
        avatar: { type: 'string' },
      },
    },
    type: { type: 'string', maxLength: 64 },
    content: { type: 'string' },
    feedback: { type: ['null', 'string', 'object'] },
    created_at: epochMilliseconds,
    createdAt: epochMilliseconds,
    attachments: listOf({
      id: { type: 'string' },
      type: { type: 'string' },
      filename: { type: 'string' },
      file: { type: 'string' },
    }),
    citations: listOf({
      id: { type: 'string' },
      filename: { type: 'string' },
      file: { type: 'string' },
      fileType: { type: 'string' },
      size: { type: 'number' },
      status: { type: 'string' },
      document: { type: ['string', 'null'] },
      chatbotFileContent: { type: ['string', 'null'] },
      parser: { type: ['object', 'null'] },
      createdAt: { type: ['string', 'number'] },
    }),
  },
} as const;
