// The log option: the few lines worth reading in production, in the shape console and pino share.
import { createWebhookHandler } from '../../src/core/handle';
import type { Logger } from '../../src/core/options';
import { maiagentPreset } from '../../src/presets/maiagent';
import { MemoryStore } from '../../src/stores/memory';
import { buildMaiAgentDelivery } from '../../src/testing';
import { TOKEN } from '../support/fixtures';
import { plainRequest, promising } from '../support/plain-request';

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

describe('log', () => {
  it('writes store_record_failed (warn) and internal_error (error), with ids, never the body or the token', async () => {
    const log = new RecordingLogger();
    const delivery = buildMaiAgentDelivery({ content: 'secret reply text' });
    await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, store: failingComplete, log, timeoutMs: 2000 }))(request(JSON.stringify(delivery)));
    await promising(createWebhookHandler(brokenPreset, { authToken: TOKEN, onMessage: () => {}, log }))(request(JSON.stringify(delivery)));
    expect(log.lines.map(([level, fields]) => [level, fields.code])).toEqual([['warn', 'store_record_failed'], ['error', 'internal_error']]);
    expect(log.lines[0]?.[1]).toMatchObject({ platform: 'maiagent', messageId: delivery.id, step: 'complete' });
    expect(log.lines[0]?.[2]).toMatch(/would run onMessage again/);
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
    store.close();
  });

  it('is quiet for ordinary deliveries, refusals included', async () => {
    const log = new RecordingLogger();
    const handle = promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => { throw new Error('downstream'); }, log }));
    await handle(request(JSON.stringify(buildMaiAgentDelivery())));
    await handle(request('{'));
    expect(log.lines).toEqual([]);
  });

  it('defaults to console.warn and console.error; false writes nothing', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const text = JSON.stringify(buildMaiAgentDelivery());
      await promising(createWebhookHandler(maiagentPreset, { authToken: TOKEN, onMessage: () => {}, store: failingComplete, timeoutMs: 2000 }))(request(text));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0]?.[0]).toMatch(/^maiagent-webhook: the store did not record the complete/);
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
