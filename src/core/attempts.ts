/**
 * Makes the value that names one attempt's claim: unique across processes sharing a store (a random prefix per
 * handler) and cheap per request (a counter after it). The prefix is drawn on first use, since some runtimes
 * (Cloudflare Workers) refuse random values outside a request.
 */
export function attemptIds(): () => string {
  let prefix: string | undefined;
  let count = 0;
  return () => {
    prefix ??= randomPrefix();
    count += 1;
    return `${prefix}.${count.toString(36)}`;
  };
}

function randomPrefix(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  return `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
}
