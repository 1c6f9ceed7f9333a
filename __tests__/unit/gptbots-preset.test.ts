import { validatePayload } from '../../src/core/validate';
import { gptbotsPreset, type GptBotsMessage } from '../../src/presets/gptbots';
import { maiagentPreset } from '../../src/presets/maiagent';
import { buildGptBotsDelivery, buildMaiAgentDelivery } from '../../src/testing';
import { section, tableRows } from '../support/docs';
import { fixture } from '../support/fixtures';

function accepts(body: unknown) {
  return validatePayload(gptbotsPreset.validator, body);
}

const v1 = fixture('gptbots/docs-example-v1.json');
const v2 = fixture('gptbots/docs-example-v2.json');

describe('GPTBots: both payload versions', () => {
  it.each([['V1', v1], ['V2', v2]])('accepts the documents’ %s example', (_version, body) => {
    expect(accepts(body)).toEqual({ ok: true });
  });

  it('tells the callback which version arrived', () => {
    expect(gptbotsPreset.toMessage(v1).version).toBe(1);
    expect(gptbotsPreset.toMessage(v2).version).toBe(2);
  });

  it('keeps V2 usage and output as sent', () => {
    const message = gptbotsPreset.toMessage(v2) as Extract<GptBotsMessage, { version: 2 }>;
    expect(message.output[0]?.content?.audio?.[0]?.transcript).toBe('The transcribed text content of the audio');
    expect(message.usage).toEqual(v2.usage);
  });

  it('fills flow_output with [] for a V1 reply without it', () => {
    const { flow_output: _omitted, ...bare } = v1;
    expect(gptbotsPreset.toMessage(bare)).toMatchObject({ version: 1, flow_output: [] });
  });

  it.each([
    ['10-digit seconds', 1679587005, 1679587005000],
    ['13-digit milliseconds', 1683871849906, 1683871849906],
    // The README's rule: below 10^11 is seconds (as milliseconds it would be before March 1973).
    ['11-digit seconds, just below 10^11', 99_999_999_999, 99_999_999_999_000],
    ['milliseconds from 10^11 on', 100_000_000_000, 100_000_000_000],
  ])('gives create_time in milliseconds when it arrives in %s', (_unit, sent, expected) => {
    expect(gptbotsPreset.toMessage(buildGptBotsDelivery({ create_time: sent })).create_time).toBe(expected);
  });

  it('accepts an id with upper-case letters (the documents’ own example has one)', () => {
    expect(accepts(buildGptBotsDelivery({ message_id: '65a4ccfC7ce58e728d5897e0' }))).toEqual({ ok: true });
  });

  it('accepts a message_type other than ANSWER and unknown keys', () => {
    expect(accepts({ ...v1, message_type: 'QUESTION', something_new: [1] })).toEqual({ ok: true });
  });

  it.each([
    ['no message_id', { message_id: undefined }, ['/message_id is required']],
    ['no conversation_id', { conversation_id: undefined }, ['/conversation_id is required']],
    ['an output that is not an array', { output: 'hi' }, ['/output must be array or null']],
  ])('rejects %s', (_name, overrides, expected) => {
    const result = accepts(buildGptBotsDelivery(overrides));
    expect(result.ok ? [] : result.problems.map((p) => `${p.path} ${p.message}`)).toEqual(expected);
  });
});

describe('GPTBots availability probe', () => {
  it('recognizes istest: true, whatever else the body holds', () => {
    expect(gptbotsPreset.isProbe({ istest: true })).toBe(true);
    expect(gptbotsPreset.isProbe({ ...v2, istest: true })).toBe(true);
  });

  it.each([[{ istest: false }], [{ istest: 'true' }], [v2], [null], [[true]]])('does not take %p for a probe', (body) => {
    expect(gptbotsPreset.isProbe(body)).toBe(false);
  });
});

describe('one view across platforms', () => {
  it('maps a V2 reply: id, conversation, text of every output, creation time', () => {
    const message = gptbotsPreset.toMessage(
      buildGptBotsDelivery({
        message_id: 'm-1',
        create_time: 1679587005,
        output: [{ content: { text: 'first' } }, { content: { audio: [] } }, { content: { text: 'second' } }],
      }),
    );
    expect(gptbotsPreset.toReply(message)).toEqual({
      platform: 'gptbots', id: 'm-1', conversationId: '657303a8a764d47094874bbe', text: 'first\n\nsecond', createdAt: new Date(1679587005000),
    });
  });

  it('maps a V1 reply to its text, or to its flow output when it has no text', () => {
    expect(gptbotsPreset.toReply(gptbotsPreset.toMessage(v1)).text).toBe('Hi, is there anything I can help you?');
    const { text: _omitted, ...flowOnly } = v1;
    expect(gptbotsPreset.toReply(gptbotsPreset.toMessage(flowOnly)).text).toBe('你好');
    const twoFlows = { ...flowOnly, flow_output: [{ content: 'first' }, { content: null }, { content: 'second' }] };
    expect(gptbotsPreset.toReply(gptbotsPreset.toMessage(twoFlows)).text).toBe('first\n\nsecond');
  });

  it('is documented field by field: the table in gptbots.md names every field of context.reply, for both platforms', () => {
    const documented = tableRows(section('One view across platforms')).map(([field]) => field?.replace(/`/g, '')).sort();
    expect(documented).toEqual(Object.keys(gptbotsPreset.toReply(gptbotsPreset.toMessage(v2))).sort());
    expect(documented).toEqual(Object.keys(maiagentPreset.toReply(maiagentPreset.toMessage(buildMaiAgentDelivery()))).sort());
  });
});
