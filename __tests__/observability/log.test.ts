// The log option: the few lines worth reading in production, in the shape console and pino share.
import { execFile } from 'node:child_process';
import { createWebhookHandler } from '../../src/core/handle';
import type { Logger, WebhookOptions } from '../../src/core/options';
import { maiagentPreset, type MaiAgentMessage } from '../../src/presets/maiagent';
import { MemoryStore } from '../../src/stores/memory';
import { buildMaiAgentDelivery } from '../../src/testing';
import { testBuildDir } from '../support/build';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';
import { section, tableRows } from '../support/docs';

const request = (text: string) => plainRequest({ body: { kind: 'text', text }, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });

/** A logger that, like pino, reads `this`: it must be called as a method of its object. */
class RecordingLogger implements Logger {
  readonly lines: [level: string, fields: Record<string, unknown>, message: string][] = [];
  debug(fields: object, message: string) { this.lines.push(['debug', fields as Record<string, unknown>, message]); }
  info(fields: object, message: string) { this.lines.push(['info', fields as Record<string, unknown>, message]); }
  warn(fields: object, message: string) { this.lines.push(['warn', fields as Record<string, unknown>, message]); }
  error(fields: object, message: string) { this.lines.push(['error', fields as Record<string, unknown>, message]); }
}

const failingComplete = { claim: () => 'claimed' as const, complete: () => Promise.reject(new Error('READONLY You can\'t write against a read only replica')), release: () => {} };
const brokenPreset = { ...maiagentPreset, toMessage: (): never => { throw new Error('boom'); } };

/** The level observability.md's table gives a code. */
function documentedLevel(code: string): string | undefined {
  return tableRows(section('The log option')).find(([, documented]) => documented === `\`${code}\``)?.[0];
}

describe('log', () => {
  it('writes store_record_failed (warn) and internal_error (error), with ids, never the body or the token', async () => {
    const log = new RecordingLogger();
    const delivery = buildMaiAgentDelivery({ content: 'secret reply text' });
    await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, store: failingComplete, log, timeoutMs: 2000 }))(request(JSON.stringify(delivery)));
    await promising(createWebhookHandler(brokenPreset, { authToken: TOKEN, onMessage: () => {}, log }))(request(JSON.stringify(delivery)));
    expect(log.lines.map(([level, fields]) => [level, fields.code])).toEqual([['warn', 'store_record_failed'], ['error', 'internal_error']]);
    expect([documentedLevel('store_record_failed'), documentedLevel('internal_error')]).toEqual(['warn', 'error']);
    expect(log.lines[0]?.[1]).toMatchObject({ platform: 'maiagent', messageId: delivery.id, step: 'complete' });
    expect(log.lines[0]?.[2]).toMatch(/unless the write still lands, a later copy of this id would run onMessage again/);
    const written = JSON.stringify(log.lines, (_key, value: unknown) => (value instanceof Error ? value.message : value));
    expect(written).not.toContain(TOKEN);
    expect(written).not.toContain('secret reply text');
  });

  it('writes dedupe_evicted_early (warn) with the count', async () => {
    const log = new RecordingLogger();
    const store = new MemoryStore({ maxEntries: 2 });
    const handle = promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, store, log }));
    for (let i = 0; i < 3; i += 1) await handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect(log.lines.map(([level, fields]) => [level, fields.code, fields.evicted])).toEqual([['warn', 'dedupe_evicted_early', 1]]);
    expect(documentedLevel('dedupe_evicted_early')).toBe('warn');
    store.close();
  });

  it('is quiet for deliveries that succeed and for refusals of what was sent (401, 422, duplicates)', async () => {
    const log = new RecordingLogger();
    const handle = promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, log }));
    const text = JSON.stringify(buildMaiAgentDelivery());
    await handle(request(text));
    await handle(request(text));
    await handle(request('{'));
    await handle(request(JSON.stringify({ id: 1 })));
    expect(log.lines).toEqual([]);
  });

  describe('failures, one line each, by default', () => {
    const slow = () => new Promise((resolve) => setTimeout(resolve, 200));
    it.each<[string, WebhookOptions<MaiAgentMessage>, string, RegExp, boolean]>([
      ['handler_failed', { onMessage: () => { throw new Error('downstream refused'); } }, 'error', /downstream refused/, true],
      ['handler_timeout', { onMessage: slow, timeoutMs: 20 }, 'warn', /did not settle within 20 ms/, true],
      ['store_unavailable', { onMessage: () => {}, store: { claim: () => Promise.reject(new Error('ECONNREFUSED')), complete: () => {}, release: () => {} } }, 'warn', /ECONNREFUSED/, true],
      ['queue_unavailable', { deliverTo: { enqueue: () => Promise.reject(new Error('READONLY')) } }, 'warn', /READONLY/, true],
      // The body never became a message: no id to name.
      ['internal_error', { onMessage: () => {}, preset: brokenPreset } as never, 'error', /boom/, false],
    ])('%s: level, code, message id and the error\'s message; never the token, the body or the headers', async (code, extra, level, errorText, idKnown) => {
      const log = new RecordingLogger();
      const { preset = maiagentPreset, ...options } = extra as WebhookOptions<MaiAgentMessage> & { preset?: typeof maiagentPreset };
      const delivery = buildMaiAgentDelivery({ content: 'secret reply text' });
      const outcome = await promising(createWebhookHandler(preset, { authToken: TOKEN, log, ...options } as WebhookOptions<MaiAgentMessage>))(request(JSON.stringify(delivery)));
      expect(outcome.code).toBe(code);
      expect(log.lines.map(([lineLevel, fields]) => [lineLevel, fields.code, fields.messageId])).toEqual([[level, code, idKnown ? delivery.id : undefined]]);
      expect(documentedLevel(code)).toBe(level);
      expect(String(log.lines[0]?.[1].error)).toMatch(errorText);
      const written = JSON.stringify(log.lines);
      expect(written).not.toContain(TOKEN);
      expect(written).not.toContain('secret reply text');
      expect(written).not.toContain('authorization');
    });

    it('never carry the token, even when the error\'s message does (a client that echoes the URL it called)', async () => {
      const log = new RecordingLogger();
      const rotated = ['older-token-4711', TOKEN];
      const echoing = { onMessage: () => { throw new Error(`GET https://crm.example/hook?token=${TOKEN} failed; also tried older-token-4711`); } };
      const outcome = await promising(createWebhookHandler(maiagentPreset, { authToken: rotated, log, ...echoing }))(request(JSON.stringify(buildMaiAgentDelivery())));
      expect(outcome.code).toBe('handler_failed');
      expect(log.lines).toHaveLength(1);
      const written = JSON.stringify(log.lines);
      expect(written).toContain('crm.example/hook?token=');
      expect(written).not.toContain(TOKEN);
      expect(written).not.toContain('older-token-4711');
    });

    it('never carry the token when authToken is a function read at the first delivery', async () => {
      const log = new RecordingLogger();
      const echoing = { onMessage: () => { throw new Error(`GET https://crm.example/hook?token=${TOKEN} failed`); } };
      const outcome = await promising(createWebhookHandler(maiagentPreset, { authToken: () => TOKEN, log, ...echoing }))(request(JSON.stringify(buildMaiAgentDelivery())));
      expect(outcome.code).toBe('handler_failed');
      expect(log.lines).toHaveLength(1);
      expect(JSON.stringify(log.lines)).toContain('crm.example/hook?token=');
      expect(JSON.stringify(log.lines)).not.toContain(TOKEN);
    });

    it('reach the console as one line each; log: false silences them', async () => {
      const error = jest.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const failing = { onMessage: () => { throw new Error('downstream\nrefused'); } };
        await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, ...failing }))(request(JSON.stringify(buildMaiAgentDelivery())));
        expect(error.mock.calls).toHaveLength(1);
        expect(error.mock.calls[0]).toHaveLength(1);
        expect(String(error.mock.calls[0]?.[0])).toMatch(/^maiagent-webhook: handler_failed [^\n]*downstream refused[^\n]*$/);
        await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, log: false, ...failing }))(request(JSON.stringify(buildMaiAgentDelivery())));
        expect(error.mock.calls).toHaveLength(1);
      } finally {
        error.mockRestore();
      }
    });
  });

  it('writes by default, word for word, the handler_failed line the docs quote', async () => {
    const quoted = /```text\n(maiagent-webhook: handler_failed [^\n]+)\n```/.exec(section('The log option'))?.[1];
    const id = /\(maiagent message ([^)]+)\)/.exec(quoted ?? '')?.[1];
    expect(id).toBeDefined();
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const failing = { onMessage: () => { throw new Error('downstream refused'); } };
      await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, ...failing }))(request(JSON.stringify(buildMaiAgentDelivery({ id }))));
      expect(error.mock.calls).toEqual([[quoted]]);
    } finally {
      error.mockRestore();
    }
  });

  it('authToken: false warns once, when the receiver is created', async () => {
    const log = new RecordingLogger();
    const handle = promising(createWebhookHandler(maiagentPreset, { authToken: false, onMessage: () => {}, log }));
    await handle(request(JSON.stringify(buildMaiAgentDelivery())));
    await handle(request(JSON.stringify(buildMaiAgentDelivery())));
    expect(log.lines.map(([level, fields]) => [level, fields.code])).toEqual([['warn', 'unauthenticated']]);
    expect(documentedLevel('unauthenticated')).toBe('warn');
  });

  it.each([
    ['throws', "() => { throw new Error('logger down'); }"],
    ['rejects (an async transport)', "async () => { throw new Error('logger down'); }"],
  ])('a logger that %s changes nothing: the answer stands, the process lives on', async (_how, throwing) => {
    const script = `
      const { maiagentWebhook } = require(${JSON.stringify(`${testBuildDir()}/fetch.js`)});
      const { buildMaiAgentDelivery } = require(${JSON.stringify(`${testBuildDir()}/testing/index.js`)});
      const throwing = ${throwing};
      const log = { warn: throwing, error: throwing };
      const store = { claim: () => 'claimed', complete: () => Promise.reject(new Error('READONLY')), release: () => Promise.reject(new Error('READONLY')) };
      const webhook = maiagentWebhook({ authToken: 't', onMessage() { throw new Error('downstream'); }, log, store, timeoutMs: 500 });
      const send = async (body) => (await (await webhook(new Request('http://127.0.0.1/hook?token=t', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }))).json()).error;
      (async () => {
        console.log(await send(buildMaiAgentDelivery()));
        webhook.close().then(() => console.log('closed'));
        await new Promise((resolve) => setTimeout(resolve, 1500));
        console.log('alive');
      })();`;
    const { stdout, code } = await new Promise<{ stdout: string; code: number | null }>((resolve) => {
      execFile(process.execPath, ['-e', script], (error, stdout) => resolve({ stdout, code: error ? (error.code as number) : 0 }));
    });
    expect(stdout.trim().split('\n')).toEqual(['handler_failed', 'closed', 'alive']);
    expect(code).toBe(0);
  }, 20_000);

  it('defaults to console.warn and console.error; false writes nothing', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const text = JSON.stringify(buildMaiAgentDelivery());
      await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, store: failingComplete, timeoutMs: 2000 }))(request(text));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toMatch(/^maiagent-webhook: store_record_failed \(maiagent message [^)]+\): the store did not record the complete/);
      await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, store: failingComplete, timeoutMs: 2000, log: false }))(request(text));
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });

  it('fills what a partial logger lacks: warn and error from the console, debug and info silent', async () => {
    const error = jest.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const warnings: string[] = [];
      const log = { warn: (_fields: object, message: string) => void warnings.push(message) };
      await promising(createWebhookHandler(brokenPreset, { authToken: TOKEN, onMessage: () => {}, log }))(request(JSON.stringify(buildMaiAgentDelivery())));
      expect(error).toHaveBeenCalledTimes(1);
      expect(warnings).toEqual([]);
    } finally {
      error.mockRestore();
    }
  });

  it('refuses a log that is not an object at start-up', () => {
    expect(() => createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, log: 'debug' as never })).toThrow(/log must be an object/);
  });
});
