import { sameDigest, sha256OfCodeUnits } from './sha256';
import type { WebhookRequest } from './types';

/** Authorization schemes a platform may use; compared case-insensitively, as RFC 9110 says. */
export type AuthScheme = 'bearer' | 'basic';

export type TokenCheck = (request: WebhookRequest) => boolean;

/**
 * Builds the check once per factory call. Tokens are kept only as SHA-256 digests, and every presented
 * credential's digest is compared with every valid digest in full, without stopping early, so neither the
 * length nor the position of a matching token, nor how much of it matched, shows in the timing.
 */
export function createTokenCheck(tokens: readonly string[] | false, schemes: readonly AuthScheme[]): TokenCheck {
  if (tokens === false) return () => true;
  const expected = tokens.map((token) => sha256OfCodeUnits(token));
  const presented = new Int32Array(8);
  const matchesAny = (candidate: string): boolean => {
    sha256OfCodeUnits(candidate, presented);
    let matched = false;
    for (const valid of expected) matched = sameDigest(presented, valid) || matched;
    return matched;
  };
  return (request) => {
    let matched = false;
    for (const candidate of presentedTokens(request, schemes)) matched = matchesAny(candidate) || matched;
    return matched;
  };
}

/**
 * The header credential and the `token` query parameter (MaiAgent's admin page takes only a URL). Either one
 * that matches authenticates the delivery; a wrong one next to a right one does not spoil it.
 */
export function presentedTokens(request: WebhookRequest, schemes: readonly AuthScheme[]): string[] {
  const found: string[] = [];
  const fromHeader = headerToken(request.header('authorization'), schemes);
  if (fromHeader) found.push(fromHeader);
  const fromQuery = queryToken(request.url);
  if (fromQuery) found.push(fromQuery);
  return found;
}

const CREDENTIALS = /^([A-Za-z]+)[ \t]+(.+)$/;

function headerToken(header: string | undefined, schemes: readonly AuthScheme[]): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = CREDENTIALS.exec(header.trim());
  if (!match) return undefined;
  const [, scheme = '', token = ''] = match;
  return schemes.includes(scheme.toLowerCase() as AuthScheme) ? token.trim() : undefined;
}

function queryToken(url: string): string | undefined {
  const start = url.indexOf('?');
  if (start === -1) return undefined;
  return new URLSearchParams(url.slice(start + 1)).get('token')?.trim() || undefined;
}
