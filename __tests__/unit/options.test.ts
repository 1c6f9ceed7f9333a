import { resolveOptions, DEFAULT_TIMEOUT_MS } from '../../src/core/options';
import { maiagentPreset } from '../../src/presets/maiagent';
import { maiagentWebhook } from 'maiagent-webhook';
import { TOKEN } from '../support/fixtures';
import { plainRequest } from '../support/plain-request';

const onMessage = (): void => {};

describe('options are checked once, in the factory', () => {
  it('throws a TypeError naming the factory when onMessage is missing', () => {
    expect(() => maiagentWebhook({ authToken: TOKEN } as never)).toThrow(new TypeError('maiagentWebhook: onMessage must be a function (or pass deliverTo)'));
  });

  it('throws when no token is given, pointing at the environment variable and the explicit opt-out', () => {
    expect(() => maiagentWebhook({ authToken: undefined, onMessage })).toThrow(/MAIAGENT_WEBHOOK_TOKEN.*authToken: false/);
    expect(() => maiagentWebhook({ onMessage })).toThrow(TypeError);
  });

  it.each([[''], ['   '], [[]], [['ok-token', '']], [42]])('rejects the token %p', (authToken) => {
    expect(() => maiagentWebhook({ authToken: authToken as never, onMessage })).toThrow(TypeError);
  });

  it('accepts authToken: false, and then any request passes the token check', () => {
    const config = resolveOptions(maiagentPreset, { authToken: false, onMessage });
    expect(config.checkToken(plainRequest({}))).toBe(true);
  });

  it.each([[0], [-1], [1.5], ['lots'], ['1tb'], [Number.NaN]])('rejects the limit %p', (limit) => {
    expect(() => maiagentWebhook({ authToken: TOKEN, onMessage, limit })).toThrow(/limit/);
  });

  it.each([[0], [-5], [2.5], [2 ** 31], [Number.POSITIVE_INFINITY]])('rejects timeoutMs %p', (timeoutMs) => {
    expect(() => maiagentWebhook({ authToken: TOKEN, onMessage, timeoutMs })).toThrow(/timeoutMs/);
  });

  it('names the range a timeout must be in, so 2^31 ms (a positive whole number) is not refused as if it were not one', () => {
    expect(() => maiagentWebhook({ authToken: TOKEN, onMessage, bodyTimeoutMs: 2 ** 31 })).toThrow(
      'maiagentWebhook: bodyTimeoutMs must be a whole number of milliseconds from 1 to 2147483647 (the longest a timer waits), not 2147483648',
    );
  });

  it('rejects an unknown option, so a typo is not silently ignored', () => {
    expect(() => maiagentWebhook({ authToken: TOKEN, onMessage, timeout: 5 } as never)).toThrow("unknown option 'timeout'");
  });

  it('applies the documented defaults: 1 MB and 10 s', () => {
    const config = resolveOptions(maiagentPreset, { authToken: TOKEN, onMessage });
    expect(config.body).toEqual({ limit: 1024 * 1024, timeoutMs: 10_000 });
    expect(config.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(DEFAULT_TIMEOUT_MS).toBe(10_000);
  });

  it('never writes to the caller’s options and freezes its own copy', () => {
    const options = Object.freeze({ authToken: Object.freeze([` ${TOKEN}\n`]), onMessage, limit: '2mb' });
    const config = resolveOptions(maiagentPreset, options);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.body.limit).toBe(2 * 1024 * 1024);
    expect(options.authToken).toEqual([` ${TOKEN}\n`]);
  });
});
