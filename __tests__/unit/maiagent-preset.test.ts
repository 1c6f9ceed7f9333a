import { validatePayload } from '../../src/core/validate';
import { maiagentPreset } from '../../src/presets/maiagent';
import { buildMaiAgentDelivery } from '../../src/testing';
import { section, tableRows } from '../support/docs';
import { fixture } from '../support/fixtures';

function accepts(body: unknown) {
  return validatePayload(maiagentPreset.validator, body);
}

function problemsOf(body: unknown): string[] {
  const result = accepts(body);
  if (result.ok) throw new Error('expected the body to be rejected');
  return result.problems.map((p) => `${p.path} ${p.message}`);
}

const citation2024 = { id: 'f1', filename: 'a.jsonl', file: 'https://x/a', fileType: 'jsonl', size: 174632, status: 'done', document: 'd1', createdAt: '1728104372000' };
const citation2025 = {
  id: 'f2', filename: 'b.pdf', file: 'https://x/b', fileType: 'pdf', size: 10, status: 'done',
  chatbotFileContent: '97f16dcb-1331-4a72-9002-e2865ea21c13', parser: { id: 'p', name: 'n', provider: 'maiagent', priority: 0 }, createdAt: '1728104372000',
};

describe('tolerant reader: every documented alternative is accepted and folded', () => {
  it.each([
    ['created_at (doc example)', { created_at: '1728219442000' }],
    ['createdAt (parameter table, C# example)', { created_at: undefined, createdAt: '1728219442000' }],
    ['a 13-digit number timestamp', { created_at: 1728219442000 }],
    ['conversation_id instead of conversation', { conversation: undefined, conversation_id: 'conv-x' }],
    ['sender.id as a number', { sender: { id: 789, name: 'n', avatar: 'a' } }],
    ['sender.id as a string', { sender: { id: '<sender-id>', name: 'n', avatar: 'a' } }],
    ['no sender', { sender: undefined }],
    ['a null sender', { sender: null }],
    ['null feedback', { feedback: null }],
    ['string feedback', { feedback: 'like' }],
    ['empty string feedback', { feedback: '' }],
    ['object feedback', { feedback: { rating: 1 } }],
    ['a 2024 citation', { citations: [citation2024] }],
    ['a 2025 citation (no document)', { citations: [citation2025] }],
    ['a type other than outgoing', { type: 'incoming' }],
    ['unknown keys', { citationNodes: [{ score: 0.1 }], somethingNew: true }],
    ['an avatar that is not a URL', { sender: { id: 1, name: 'n', avatar: '<https://example.com/avatar.jpg>' } }],
  ])('accepts %s', (_name, overrides) => {
    expect(accepts(buildMaiAgentDelivery(overrides))).toEqual({ ok: true });
  });

  it.each([
    ['docs-example-en.json'],
    ['docs-example-zh.json'],
    ['examples-csharp-camelcase.json'],
  ])('accepts the published sample %s', (file) => {
    expect(accepts(fixture(`maiagent/${file}`))).toEqual({ ok: true });
  });

  it('accepts the 2025 REST Message sample once its placeholder timestamp is a real one', () => {
    expect(accepts({ ...fixture('maiagent/rest-message-2025.json'), createdAt: '1739000000000' })).toEqual({ ok: true });
  });

  it('folds createdAt and conversation_id into the doc example’s names and fills defaults', () => {
    const message = maiagentPreset.toMessage({ id: 'm1', conversation_id: 'c1', content: 'hi', createdAt: 1728219442000 });
    expect(message).toEqual({ id: 'm1', conversation: 'c1', content: 'hi', created_at: '1728219442000', sender: null, feedback: null, attachments: [], citations: [] });
    expect(message).not.toHaveProperty('createdAt');
    expect(message).not.toHaveProperty('conversation_id');
  });

  it('keeps unknown keys and the doc spelling when both spellings arrive', () => {
    const message = maiagentPreset.toMessage(buildMaiAgentDelivery({ conversation: 'a', conversation_id: 'b', citationNodes: [1] }));
    expect(message.conversation).toBe('a');
    expect(message.citationNodes).toEqual([1]);
  });
});

describe('what is not a usable MaiAgent message', () => {
  it.each([
    ['an array', [], [' must be object']],
    ['null', null, [' must be object']],
    ['no id', { id: undefined }, ['/id is required']],
    ['an empty id', { id: '' }, ['/id must NOT have fewer than 1 characters']],
    ['no conversation in either spelling', { conversation: undefined }, ['/conversation is required']],
    ['citations that are not an array', { citations: {} }, ['/citations must be array or null']],
    ['a list item that is not an object', { attachments: [null] }, ['/attachments/0 must be object']],
    ['a citation size that is not a number', { citations: [{ size: 'big' }] }, ['/citations/0/size must be number or null']],
  ])('rejects %s, naming the JSON pointer', (_name, overrides, expected) => {
    const body = Array.isArray(overrides) || overrides === null ? overrides : buildMaiAgentDelivery(overrides);
    expect(problemsOf(body)).toEqual(expected);
  });

  it('reports every fault at once', () => {
    expect(problemsOf({ id: '', conversation: true, citations: {} }).sort()).toEqual([
      '/citations must be array or null', '/conversation must be string or integer', '/id must NOT have fewer than 1 characters',
    ]);
  });
});

describe('the docs (options.md, The message your callback gets)', () => {
  it('list every field of the folded message, those a minimal body gets filled in included', () => {
    const documented = tableRows(section('The message your callback gets')).map(([field]) => field?.replace(/`/g, '')).sort();
    expect(documented).toEqual(Object.keys(maiagentPreset.toMessage(buildMaiAgentDelivery())).sort());
    const minimal = Object.keys(maiagentPreset.toMessage({ id: 'm-1', conversation: 'c-1' }));
    expect(minimal.filter((field) => !documented.includes(field))).toEqual([]);
  });
});
