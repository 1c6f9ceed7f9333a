import fc from 'fast-check';
import { createTokenCheck, presentedTokens, sameToken } from '../../src/core/auth';
import type { WebhookRequest } from '../../src/core/types';
import { plainRequest } from '../support/plain-request';

function requestWith(authorization?: string, url = '/webhook'): WebhookRequest {
  return plainRequest({ url, headers: authorization === undefined ? {} : { authorization } });
}

describe('token check', () => {
  const check = createTokenCheck(['alpha-token', 'beta-token'], ['bearer']);

  it('accepts any of the configured tokens as a Bearer credential', () => {
    expect(check(requestWith('Bearer alpha-token'))).toBe(true);
    expect(check(requestWith('Bearer beta-token'))).toBe(true);
  });

  it('reads the scheme case-insensitively and ignores whitespace around the token', () => {
    expect(check(requestWith('bearer alpha-token'))).toBe(true);
    expect(check(requestWith('BEARER \t alpha-token  '))).toBe(true);
  });

  it('refuses a wrong token, a prefix of a right one, an empty one, and another scheme', () => {
    expect(check(requestWith('Bearer alpha'))).toBe(false);
    expect(check(requestWith('Bearer alpha-token-and-more'))).toBe(false);
    expect(check(requestWith('Bearer '))).toBe(false);
    expect(check(requestWith('Basic alpha-token'))).toBe(false);
    expect(check(requestWith('alpha-token'))).toBe(false);
    expect(check(requestWith())).toBe(false);
  });

  it('accepts the query parameter `token`, URL-decoded', () => {
    expect(check(requestWith(undefined, '/webhook?token=alpha-token'))).toBe(true);
    expect(check(requestWith(undefined, 'https://api.example.com/webhook?a=1&token=beta%2Dtoken'))).toBe(true);
    expect(check(requestWith(undefined, '/webhook?tokens=alpha-token'))).toBe(false);
  });

  it('authenticates when either the header or the query holds a valid token', () => {
    expect(check(requestWith('Bearer wrong', '/webhook?token=alpha-token'))).toBe(true);
    expect(check(requestWith('Bearer alpha-token', '/webhook?token=wrong'))).toBe(true);
    expect(check(requestWith('Bearer wrong', '/webhook?token=also-wrong'))).toBe(false);
  });

  it('accepts Basic only for a platform that declares it', () => {
    const basicToo = createTokenCheck(['alpha-token'], ['bearer', 'basic']);
    expect(basicToo(requestWith('Basic alpha-token'))).toBe(true);
  });

  it('collects both credentials so each is compared', () => {
    expect(presentedTokens(requestWith('Bearer h', '/?token=q'), ['bearer'])).toEqual(['h', 'q']);
  });
});

describe('sameToken', () => {
  it('agrees with === on any two strings, including prefixes, extensions and lone surrogates', () => {
    const text = fc.string({ unit: 'binary', maxLength: 80 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(sameToken(a, b)).toBe(a === b);
        expect(sameToken(a, a + b)).toBe(b === '');
        expect(sameToken(a + b, a)).toBe(b === '');
      }),
      { numRuns: 4_000 },
    );
  });

  it('tells apart tokens that differ only in their last unit, in a lone surrogate, or in how often they repeat', () => {
    expect(sameToken('alpha-token', 'alpha-tokeN')).toBe(false);
    expect(sameToken('a\uD800', 'a\uDC00')).toBe(false);
    expect(sameToken('\0\0', '\0')).toBe(false);
    expect(sameToken('', 'alpha-token')).toBe(false);
    // Read round and round, a shorter token repeats itself; only the lengths tell these apart.
    expect(sameToken('ab', 'abab')).toBe(false);
    expect(sameToken('abab', 'ab')).toBe(false);
    expect(sameToken('alpha-token', 'alpha-token')).toBe(true);
  });
});
