import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
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
  const expected = tokens.map(digest);
  return (request) => {
    let matched = false;
    for (const candidate of presentedTokens(request, schemes)) {
      const presented = digest(candidate);
      for (const valid of expected) matched = sameDigest(presented, valid) || matched;
    }
    return matched;
  };
}

// crypto.hash (Node 20.12+) hashes without building a Hash object; createHash is the fallback. Digests are
// hex strings rather than Buffers: a Buffer per request costs an ArrayBuffer and its backing store, which
// under load took longer than the hashing itself.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function digest(token: string): string {
  return oneShotHash ? oneShotHash('sha256', token, 'hex') : createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two digests of equal length in time that depends on that length only (as crypto.timingSafeEqual). */
function sameDigest(presented: string, valid: string): boolean {
  let difference = presented.length ^ valid.length;
  for (let i = 0; i < valid.length; i += 1) difference |= presented.charCodeAt(i) ^ valid.charCodeAt(i);
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
