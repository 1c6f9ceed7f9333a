// The house (issue 20, item 8): the core defines its ports (the Preset and Reply, the store) and imports no room
// around it; the default store is chosen where the factories are assembled.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { resolveOptions } from '../../src/core/options';
import { withDefaultStore } from '../../src/presets/factories';
import { maiagentPreset, type MaiAgentMessage } from '../../src/presets/maiagent';
import { MemoryStore } from '../../src/stores/memory';
import { maiagentWebhook } from '../../src/fetch';
import type { WebhookOptions } from '../../src/core/options';
import { TOKEN } from '../support/fixtures';

const SRC = join(__dirname, '..', '..', 'src');

/** Every relative import (static, dynamic, `require`, type-only too) of each .ts file under `dir`, resolved to src/. */
function importsUnder(dir: string): { file: string; target: string }[] {
  return readdirSync(join(SRC, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => {
      const path = join(SRC, dir, file);
      const text = readFileSync(path, 'utf8');
      const specifiers = [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)'(\.[^']*)'/g)].map((match) => match[1] as string);
      return specifiers.map((specifier) => ({ file: relative(SRC, path), target: relative(SRC, resolve(dirname(path), specifier)) }));
    });
}

describe('the core imports no room around it', () => {
  it('no file in src/core imports anything outside src/core (presets, stores, adapters...)', () => {
    const imports = importsUnder('core');
    expect(imports.length).toBeGreaterThan(20);
    expect(imports.filter(({ target }) => !target.startsWith('core/'))).toEqual([]);
  });

  it('presets implement the core’s port and import no other room', () => {
    const outside = importsUnder('presets').filter(({ target }) => !/^(core|presets|schemas)\//.test(target) && target !== 'stores/memory');
    expect(outside).toEqual([]);
  });
});

describe('the default store, chosen where the factories are assembled', () => {
  const onMessage = (): void => {};

  it('the core alone has no store unless given one', () => {
    expect(resolveOptions(maiagentPreset, { authToken: TOKEN, onMessage }).store).toBeUndefined();
  });

  it('the factories fill in a MemoryStore of this process, on a copy of the options', () => {
    const options: WebhookOptions<MaiAgentMessage> = Object.freeze({ authToken: TOKEN, onMessage });
    const withDefault = withDefaultStore(options);
    expect(withDefault.store).toBeInstanceOf(MemoryStore);
    expect(withDefault).not.toBe(options);
    expect(options).toEqual({ authToken: TOKEN, onMessage });
    expect(withDefaultStore(options).store).not.toBe(withDefault.store);
  });

  it.each([
    ['a store of the caller’s', { store: new MemoryStore() }],
    ['store: false', { store: false as const }],
    ['a queue (deliverTo), whose job id dedupes', { deliverTo: { enqueue: () => undefined }, onMessage: undefined }],
  ])('leaves the options as they are with %s', (_name, extra) => {
    const options = { authToken: TOKEN, onMessage, ...extra } as WebhookOptions<MaiAgentMessage>;
    expect(withDefaultStore(options)).toBe(options);
  });

  it('a factory dedupes by default: a repeat of a delivered id is answered duplicate, without a second callback', async () => {
    let calls = 0;
    const handler = maiagentWebhook({ authToken: TOKEN, onMessage: () => void (calls += 1) });
    const body = JSON.stringify({ id: 'm-default-store', conversation: 'c1', content: 'hi', created_at: '1728219442000' });
    const post = () => handler(new Request('http://127.0.0.1/hook', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body }));
    const codes = [(await post()).headers.get('x-maiagent-webhook-outcome'), (await post()).headers.get('x-maiagent-webhook-outcome')];
    expect([codes, calls]).toEqual([['delivered', 'duplicate'], 1]);
  });
});
