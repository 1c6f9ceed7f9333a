// Issue 25: a delivery is never refused for a field the package can do without. Only the message id and the
// conversation id are strict; every other field may be null or absent, and a timestamp that cannot be read becomes
// the time the delivery was received (with a warning). Every documented sample, through the core handler.
import fc from 'fast-check';
import { createWebhookHandler } from '../../src/core/handle';
import type { DeliveryContext, DeliveryOutcome, Rejection } from '../../src/core/options';
import type { Outcome } from '../../src/core/types';
import { loadPreset } from '../../src/presets/factories';
import type { Preset } from '../../src/core/preset';
import { epochMsText, readEpochMs } from '../../src/presets/timestamps';
import { replyProcessor, type ReplyJobData } from '../../src/queue/bullmq';
import type { Job } from 'bullmq';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';
import { ESSENTIAL, SAMPLES, nonEssentialPaths, pathName, withNullAt, type Platform, type Sample } from '../support/samples';

/** The time the tests' deliveries are received. */
const NOW = 1_767_000_000_123;

interface Delivered {
  outcome: Outcome;
  messages: Record<string, unknown>[];
  contexts: DeliveryContext[];
  rejections: Rejection[];
  told: DeliveryOutcome[];
}

async function deliver(platform: Platform, body: unknown): Promise<Delivered> {
  const delivered: Omit<Delivered, 'outcome'> = { messages: [], contexts: [], rejections: [], told: [] };
  const preset = platform === 'maiagent' ? loadPreset('maiagent') : loadPreset('gptbots');
  const handle = promising(createWebhookHandler(preset as Preset<unknown>, {
    authToken: TOKEN,
    store: false,
    onMessage: (message, context) => {
      delivered.messages.push(message as Record<string, unknown>);
      delivered.contexts.push(context);
    },
    onRejected: (rejection) => void delivered.rejections.push(rejection),
    onOutcome: (outcome) => void delivered.told.push(outcome),
  }));
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const outcome = await handle(plainRequest({ headers, body: { kind: 'text', text: JSON.stringify(body) } }));
  await handle.close();
  return { outcome, ...delivered };
}

beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(NOW));
afterEach(() => jest.restoreAllMocks());

const idOf = (sample: Sample): string => String(sample.body[sample.platform === 'maiagent' ? 'id' : 'message_id']);
const conversationOf = (sample: Sample): string => String(sample.body[sample.platform === 'maiagent' ? 'conversation' : 'conversation_id']);
const timestampField = (sample: Sample): string => (sample.platform === 'gptbots' ? 'create_time' : 'createdAt' in sample.body ? 'createdAt' : 'created_at');

/** What the callback gets from a sample whose every top-level field but the ids is null: each folded to its one value. */
function foldedFromNulls(sample: Sample): Record<string, unknown> {
  const unknownKeys = Object.keys(sample.body).filter((key) => !KNOWN[sample.platform].includes(key));
  const nulls = Object.fromEntries(unknownKeys.map((key) => [key, null]));
  if (sample.platform === 'maiagent') {
    return { id: idOf(sample), conversation: conversationOf(sample), sender: null, content: '', feedback: null, created_at: String(NOW), attachments: [], citations: [], ...nulls };
  }
  const list = sample.version === 2 ? { output: [] } : { flow_output: [] };
  return { message_id: idOf(sample), conversation_id: conversationOf(sample), version: sample.version, create_time: NOW, ...list, ...nulls };
}

const KNOWN: Record<Platform, string[]> = {
  maiagent: ['id', 'conversation', 'conversation_id', 'sender', 'type', 'content', 'feedback', 'created_at', 'createdAt', 'attachments', 'citations'],
  gptbots: ['message_id', 'conversation_id', 'create_time', 'message_type', 'text', 'flow_output', 'output', 'usage'],
};

describe.each(SAMPLES)('$name', (sample) => {
  it('is delivered as published', async () => {
    const { outcome, messages } = await deliver(sample.platform, sample.body);
    expect(outcome.status).toBe(200);
    expect(messages).toHaveLength(1);
  });

  it.each(nonEssentialPaths(sample).map((path) => [pathName(path), path] as const))('is delivered with %s null', async (_name, path) => {
    const { outcome, messages, contexts, rejections } = await deliver(sample.platform, withNullAt(sample.body, [path]));
    expect(rejections).toEqual([]);
    expect(outcome).toMatchObject({ status: 200, code: 'delivered' });
    expect(messages).toHaveLength(1);
    expect(contexts[0]?.reply).toMatchObject({ id: idOf(sample), conversationId: conversationOf(sample), text: expect.any(String) });
    expect(Number.isNaN(contexts[0]?.reply.createdAt.getTime())).toBe(false);
  });

  it('is delivered with every non-essential top-level field null at once, each folded to its one value', async () => {
    const topLevel = nonEssentialPaths(sample).filter((path) => path.length === 1);
    const { outcome, messages, contexts, told } = await deliver(sample.platform, withNullAt(sample.body, topLevel));
    expect(outcome.status).toBe(200);
    expect(messages).toEqual([foldedFromNulls(sample)]);
    expect(contexts[0]?.reply).toEqual({ platform: sample.platform, id: idOf(sample), conversationId: conversationOf(sample), text: '', createdAt: new Date(NOW) });
    expect(told[0]?.warnings).toEqual([{ code: 'timestamp_replaced', field: timestampField(sample) }]);
  });

  it('is delivered with every nested field null at once (the objects and lists around them kept)', async () => {
    const nested = nonEssentialPaths(sample).filter((path) => path.length > 1);
    const { outcome, messages } = await deliver(sample.platform, withNullAt(sample.body, nested));
    expect(outcome.status).toBe(200);
    expect(messages).toHaveLength(1);
  });

  it('is delivered with every non-essential field absent', async () => {
    const essentials = Object.fromEntries(Object.entries(sample.body).filter(([key]) => ESSENTIAL[sample.platform].includes(key)));
    const { outcome, contexts, told } = await deliver(sample.platform, essentials);
    expect(outcome.status).toBe(200);
    expect(contexts[0]?.reply).toEqual({ platform: sample.platform, id: idOf(sample), conversationId: conversationOf(sample), text: '', createdAt: new Date(NOW) });
    expect(told[0]?.warnings).toEqual([{ code: 'timestamp_replaced', field: sample.platform === 'gptbots' ? 'create_time' : 'created_at' }]);
  });
});

describe('an attachment whose file is null', () => {
  it('is delivered, the attachment passed on as it came', async () => {
    const attachment = { id: 'a1', type: 'image', filename: 'x.png', file: null };
    const { outcome, messages } = await deliver('maiagent', { id: 'm1', conversation: 'c1', content: 'see attached', created_at: '1728219442000', attachments: [attachment] });
    expect(outcome.status).toBe(200);
    expect(messages[0]?.attachments).toEqual([attachment]);
  });
});

describe('the reply text may be null (an attachment-only reply)', () => {
  it.each([
    ['MaiAgent content', 'maiagent', { id: 'm1', conversation: 'c1', content: null, created_at: '1728219442000' }],
    ['GPTBots V2 content.text', 'gptbots', { message_id: 'm1', conversation_id: 'c1', create_time: 1679587005, output: [{ content: { text: null, audio: [] } }] }],
    ['GPTBots V1 text', 'gptbots', { message_id: 'm1', conversation_id: 'c1', create_time: 1679587005, message_type: 'ANSWER', text: null }],
  ] as const)('%s: delivered, reply.text ""', async (_name, platform, body) => {
    const { outcome, contexts } = await deliver(platform, body);
    expect(outcome.status).toBe(200);
    expect(contexts[0]?.reply.text).toBe('');
  });
});

const OCT_6 = 1_728_219_442_000; // 2024-10-06T12:57:22Z

/** Each way a timestamp may arrive, and the epoch milliseconds it is read as. */
const READABLE: readonly [string, unknown, number][] = [
  ['epoch seconds', 1_728_219_442, OCT_6],
  ['epoch milliseconds', OCT_6, OCT_6],
  ['epoch seconds as a string', '1728219442', OCT_6],
  ['epoch milliseconds as a string', '1728219442000', OCT_6],
  ['fractional epoch seconds', 1_728_219_442.25, OCT_6 + 250],
  ['ISO 8601 in UTC', '2024-10-06T12:57:22Z', OCT_6],
  ['ISO 8601 with milliseconds', '2024-10-06T12:57:22.123Z', OCT_6 + 123],
  ['ISO 8601 with an offset', '2024-10-06T20:57:22+08:00', OCT_6],
  ['ISO 8601 with microseconds and an offset (Django REST Framework)', '2024-10-06T20:57:22.123456+08:00', OCT_6 + 123],
  ['ISO 8601 with an offset without a colon', '2024-10-06T07:57:22-0500', OCT_6],
  ['ISO 8601 without a zone (read as UTC)', '2024-10-06T12:57:22', OCT_6],
  ['ISO 8601 with a space for T', '2024-10-06 12:57:22Z', OCT_6],
  ['the latest epoch milliseconds read (in the year 5138)', 99_999_999_999_999, 99_999_999_999_999],
];

/** Each timestamp that cannot be read: the delivery is not refused, the time received stands in for it. */
const UNREADABLE: readonly [string, unknown][] = [
  ['null', null],
  ['a placeholder word', 'string'],
  ['an empty string', ''],
  ['zero', 0],
  ['a negative number', -1_728_219_442],
  ['a date that does not exist', '2024-02-30T00:00:00Z'],
  ['a number far past any date', 1e20],
  ['a boolean', true],
  ['an object', { seconds: 1_728_219_442 }],
  ['a date in words', 'October 6, 2024'],
  ['an ISO 8601 date before 1970 whose year has two leading zeros (not a date in 1999)', '0099-01-01T00:00:00Z'],
  ['an ISO 8601 offset that is no zone (+99:99)', '2024-10-06T20:57:22+99:99'],
  ['an ISO 8601 offset with 60 minutes', '2024-10-06T20:57:22+08:60'],
  ['one millisecond past the year-5138 bound', 100_000_000_000_000],
  ['the last second of 1969', '1969-12-31T23:59:59Z'],
];

const TIMESTAMP_CASES: readonly { name: string; platform: Platform; field: string; body: Record<string, unknown> }[] = [
  { name: 'MaiAgent created_at', platform: 'maiagent', field: 'created_at', body: { id: 'm1', conversation: 'c1', content: 'hi' } },
  { name: 'MaiAgent createdAt', platform: 'maiagent', field: 'createdAt', body: { id: 'm1', conversation: 'c1', content: 'hi' } },
  { name: 'GPTBots V1 create_time', platform: 'gptbots', field: 'create_time', body: { message_id: 'm1', conversation_id: 'c1', message_type: 'ANSWER', text: 'hi' } },
  { name: 'GPTBots V2 create_time', platform: 'gptbots', field: 'create_time', body: { message_id: 'm1', conversation_id: 'c1', output: [{ content: { text: 'hi' } }] } },
];

/** The folded timestamp as the callback sees it: MaiAgent's as a string of milliseconds, GPTBots' as a number. */
const messageTime = (platform: Platform, message: Record<string, unknown> | undefined): number => Number(platform === 'maiagent' ? message?.created_at : message?.create_time);

describe.each(TIMESTAMP_CASES)('timestamps: $name', ({ platform, field, body }) => {
  it.each(READABLE)('reads %s', async (_name, value, expected) => {
    const { outcome, messages, contexts, told } = await deliver(platform, { ...body, [field]: value });
    expect(outcome.status).toBe(200);
    expect(messageTime(platform, messages[0])).toBe(expected);
    if (platform === 'maiagent') expect(messages[0]?.created_at).toBe(String(expected));
    expect(contexts[0]?.reply.createdAt).toEqual(new Date(expected));
    expect(told[0]?.warnings).toEqual([]);
  });

  it.each(UNREADABLE)('takes the time received for %s, with a warning', async (_name, value) => {
    const { outcome, messages, contexts, told } = await deliver(platform, { ...body, [field]: value });
    expect(outcome.status).toBe(200);
    expect(messageTime(platform, messages[0])).toBe(NOW);
    expect(contexts[0]?.reply.createdAt).toEqual(new Date(NOW));
    expect(told[0]?.warnings).toEqual([{ code: 'timestamp_replaced', field }]);
  });

  it('takes the time received when the timestamp is absent, with a warning naming the documented field', async () => {
    const { outcome, messages, told } = await deliver(platform, body);
    expect(outcome.status).toBe(200);
    expect(messageTime(platform, messages[0])).toBe(NOW);
    expect(told[0]?.warnings).toEqual([{ code: 'timestamp_replaced', field: platform === 'maiagent' ? 'created_at' : 'create_time' }]);
  });
});

describe('the ids stay strict: present and non-empty; a number is read as its decimal string', () => {
  it.each([
    ['MaiAgent id and conversation as numbers', 'maiagent', { id: 42, conversation: 7, content: 'hi', created_at: '1728219442000' }, { id: '42', conversation: '7' }],
    ['MaiAgent conversation_id as a number', 'maiagent', { id: 'm1', conversation_id: 7, content: 'hi' }, { id: 'm1', conversation: '7' }],
    ['MaiAgent conversation null beside conversation_id', 'maiagent', { id: 'm1', conversation: null, conversation_id: 'c9', content: 'hi' }, { id: 'm1', conversation: 'c9' }],
    ['MaiAgent conversation empty (a blank field) beside conversation_id', 'maiagent', { id: 'm1', conversation: '', conversation_id: 'c9', content: 'hi' }, { id: 'm1', conversation: 'c9' }],
    ['MaiAgent conversation_id empty (a blank field) beside conversation', 'maiagent', { id: 'm1', conversation: 'c9', conversation_id: '', content: 'hi' }, { id: 'm1', conversation: 'c9' }],
    ['GPTBots ids as numbers', 'gptbots', { message_id: 123, conversation_id: 5, create_time: 1679587005, output: [] }, { message_id: '123', conversation_id: '5' }],
  ] as const)('%s', async (_name, platform, body, expected) => {
    const { outcome, messages, contexts } = await deliver(platform, body);
    expect(outcome.status).toBe(200);
    expect(messages[0]).toMatchObject(expected);
    expect(contexts[0]?.reply.id).toBe(Object.values(expected)[0]);
    expect(contexts[0]?.reply.conversationId).toBe(Object.values(expected)[1]);
    expect(messages[0]).not.toHaveProperty('conversation_id', '');
  });

  it('an empty spelling beside a conversation id is no conflict', async () => {
    const { outcome, told } = await deliver('maiagent', { id: 'm1', conversation: 'c9', conversation_id: '', content: 'hi', created_at: '1728219442000' });
    expect(outcome.status).toBe(200);
    expect(told[0]?.warnings).toEqual([]);
  });

  const maiagent = { id: 'm1', conversation: 'c1', content: 'hi' };
  const gptbots = { message_id: 'm1', conversation_id: 'c1', output: [] };
  it.each([
    ['MaiAgent: no id', 'maiagent', { ...maiagent, id: undefined }, '/id'],
    ['MaiAgent: a null id', 'maiagent', { ...maiagent, id: null }, '/id'],
    ['MaiAgent: an empty id', 'maiagent', { ...maiagent, id: '' }, '/id'],
    ['MaiAgent: a fractional id', 'maiagent', { ...maiagent, id: 1.5 }, '/id'],
    ['MaiAgent: a negative id', 'maiagent', { ...maiagent, id: -1 }, '/id'],
    ['MaiAgent: an id past 2^53 (its digits are lost in parsing)', 'maiagent', { ...maiagent, id: 2 ** 53 }, '/id'],
    ['MaiAgent: a boolean id', 'maiagent', { ...maiagent, id: true }, '/id'],
    ['MaiAgent: no conversation in either spelling', 'maiagent', { ...maiagent, conversation: undefined }, '/conversation'],
    ['MaiAgent: a null conversation and no conversation_id', 'maiagent', { ...maiagent, conversation: null }, '/conversation'],
    ['MaiAgent: an empty conversation', 'maiagent', { ...maiagent, conversation: '' }, '/conversation'],
    ['MaiAgent: an empty conversation_id', 'maiagent', { ...maiagent, conversation: undefined, conversation_id: '' }, '/conversation_id'],
    ['MaiAgent: a boolean conversation (one problem, not a second saying null would do)', 'maiagent', { ...maiagent, conversation: true }, '/conversation'],
    ['MaiAgent: a fractional conversation_id', 'maiagent', { ...maiagent, conversation: undefined, conversation_id: 1.5 }, '/conversation_id'],
    ['MaiAgent: both spellings empty', 'maiagent', { ...maiagent, conversation: '', conversation_id: '' }, '/conversation_id'],
    ['MaiAgent: an empty conversation beside a null conversation_id', 'maiagent', { ...maiagent, conversation: '', conversation_id: null }, '/conversation'],
    ['GPTBots: no message_id', 'gptbots', { ...gptbots, message_id: undefined }, '/message_id'],
    ['GPTBots: a null message_id', 'gptbots', { ...gptbots, message_id: null }, '/message_id'],
    ['GPTBots: an empty message_id', 'gptbots', { ...gptbots, message_id: '' }, '/message_id'],
    ['GPTBots: no conversation_id', 'gptbots', { ...gptbots, conversation_id: undefined }, '/conversation_id'],
    ['GPTBots: a null conversation_id', 'gptbots', { ...gptbots, conversation_id: null }, '/conversation_id'],
    ['GPTBots: an empty conversation_id', 'gptbots', { ...gptbots, conversation_id: '' }, '/conversation_id'],
  ] as const)('%s is refused with 422 naming the field', async (_name, platform, body, path) => {
    const { outcome, messages, rejections } = await deliver(platform, JSON.parse(JSON.stringify(body)));
    expect(outcome.status).toBe(422);
    expect(messages).toEqual([]);
    expect(rejections[0]?.problems?.map((p) => p.path)).toEqual([path]);
  });
});

describe('both GPTBots versions, told apart when fields are null', () => {
  it.each([
    ['a V1 body whose V1 fields are all null', 1, { message_id: 'm1', conversation_id: 'c1', message_type: null, text: null, flow_output: null }],
    ['a V2 body whose output is null', 2, { message_id: 'm1', conversation_id: 'c1', output: null, usage: null }],
    ['a body with neither shape (the current V2 assumed)', 2, { message_id: 'm1', conversation_id: 'c1' }],
  ] as const)('%s is version %d', async (_name, version, body) => {
    const { outcome, messages } = await deliver('gptbots', body);
    expect(outcome.status).toBe(200);
    expect(messages[0]).toMatchObject({ version, [version === 1 ? 'flow_output' : 'output']: [] });
  });
});

describe('a queued delivery without a timestamp', () => {
  it('gets the time the webhook received it, not the time a worker took the job', async () => {
    const receivedAt = NOW - 60_000;
    const seen: { created_at?: string; at?: Date } = {};
    const process = replyProcessor('maiagent', (message, { reply }) => {
      seen.created_at = message.created_at;
      seen.at = reply.createdAt;
    });
    const rawBody = JSON.stringify({ id: 'm1', conversation: 'c1', content: 'hi', created_at: null });
    await process({ id: 'maiagent-m1', data: { platform: 'maiagent', messageId: 'm1', conversationId: 'c1', rawBody, receivedAt } } as Job<ReplyJobData>);
    expect(seen).toEqual({ created_at: String(receivedAt), at: new Date(receivedAt) });
  });
});

describe('a delivery without a timestamp, handed to a queue', () => {
  it('carries one time received: the job says the same time as the reply the web side published', async () => {
    let clock = NOW;
    jest.spyOn(Date, 'now').mockImplementation(() => (clock += 1));
    const queued: { receivedAt: number }[] = [];
    const published: Date[] = [];
    const handle = promising(createWebhookHandler(loadPreset('maiagent') as Preset<unknown>, {
      authToken: TOKEN,
      store: false,
      deliverTo: { enqueue: (delivery) => void queued.push(delivery) },
      replies: { publish: ({ reply }) => void published.push(reply.createdAt) },
    }));
    const body = JSON.stringify({ id: 'm1', conversation: 'c1', content: 'hi', created_at: null });
    const outcome = await handle(plainRequest({ headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: { kind: 'text', text: body } }));
    await handle.close();
    expect(outcome.status).toBe(200);
    expect(queued).toHaveLength(1);
    expect(published).toEqual([new Date(queued[0]?.receivedAt ?? 0)]);
  });
});

describe('a label longer than any documented one', () => {
  it.each([
    ['MaiAgent type', 'maiagent', { id: 'm1', conversation: 'c1', content: 'hi', created_at: '1728219442000', type: 'x'.repeat(65) }],
    ['GPTBots message_type', 'gptbots', { message_id: 'm1', conversation_id: 'c1', create_time: 1679587005, message_type: 'x'.repeat(65), text: 'hi' }],
  ] as const)('%s: delivered as it came (the package does not need it)', async (_name, platform, body) => {
    const { outcome, messages } = await deliver(platform, body);
    expect(outcome.status).toBe(200);
    expect(messages[0]?.[platform === 'maiagent' ? 'type' : 'message_type']).toBe('x'.repeat(65));
  });
});

describe('epochMsText (MaiAgent\'s 13 digits of milliseconds taken as they are, without reading them)', () => {
  const digits = (min: number, max: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((chars) => chars.join(''));
  it('says what String(readEpochMs(value)) says, for strings of digits (leading zeros too), other strings and numbers', () => {
    const values = fc.oneof(digits(12, 14), digits(13, 13), fc.string(), fc.integer(), fc.double(), fc.constant(null));
    fc.assert(fc.property(values, (value) => {
      const ms = readEpochMs(value);
      expect(epochMsText(value)).toBe(ms === undefined ? undefined : String(ms));
    }), { numRuns: 5000 });
  });
});
