import type { WebhookRequest } from './types';

/** Authorization schemes a platform may use; compared case-insensitively, as RFC 9110 says. */
export type AuthScheme = 'bearer' | 'basic';

export type TokenCheck = (request: WebhookRequest) => boolean;

/**
 * Builds the check once per factory call. Every presented credential is compared with every valid token in full,
 * without stopping at the first difference or the first match, so neither how much of a token matched nor which
 * one did shows in the timing.
 */
export function createTokenCheck(tokens: readonly string[] | false, schemes: readonly AuthScheme[]): TokenCheck {
  if (tokens === false) return () => true;
  const matchesAny = (candidate: string): boolean => {
    let matched = false;
    for (const token of tokens) matched = sameToken(candidate, token) || matched;
    return matched;
  };
  return (request) => {
    let matched = false;
    for (const candidate of presentedTokens(request, schemes)) matched = matchesAny(candidate) || matched;
    return matched;
  };
}

/**
 * Compares every code unit of the valid token with a code unit of the presented one, the same work for each
 * whether they differ or not, and the presented one's read round and round when it is shorter: the time depends
 * on the valid token's length, which the sender cannot vary, and on the presented one's, which the sender already
 * knows, never on how they relate. (Hashing both first would hide the same, at several times the cost.)
 */
export function sameToken(presented: string, valid: string): boolean {
  if (presented.length === 0) return valid.length === 0;
  let difference = presented.length ^ valid.length;
  for (let i = 0; i < valid.length; i += 1) difference |= presented.charCodeAt(i % presented.length) ^ valid.charCodeAt(i);
  return difference === 0;
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
