import { loadPreset } from '../runtime';
import { buildGptBotsDelivery, buildMaiAgentDelivery } from '../testing';
import { UsageError } from './usage';

export type Provider = 'maiagent' | 'gptbots';

/** What `listen` and `send` need to know of each platform: the usual path, where its token lives, a sample body. */
export const PROVIDERS: Readonly<Record<Provider, { path: string; tokenEnv: string; sample: () => unknown }>> = {
  maiagent: { path: '/maiagent/webhook', tokenEnv: loadPreset('maiagent').tokenEnv, sample: () => buildMaiAgentDelivery({ content: 'Hello from maiagent-webhook' }) },
  gptbots: { path: '/gptbots/webhook', tokenEnv: loadPreset('gptbots').tokenEnv, sample: () => buildGptBotsDelivery() },
};

/** `--provider`, else `fallback`. */
export function parseProvider(value: string | undefined, fallback: Provider = 'maiagent'): Provider {
  if (value === undefined) return fallback;
  if (value === 'maiagent' || value === 'gptbots') return value;
  throw new UsageError(`--provider must be maiagent or gptbots, not '${value}'`);
}

export function parseCount(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number of at least ${min}, not '${value}'`);
  return n;
}

/**
 * An http(s) URL without credentials; `localhost:3000/...` parses as a URL of scheme `localhost:`, which fetch
 * cannot send to, and fetch refuses `user:password@` quoting the whole URL. Refused in words that never echo the
 * URL's token or password; `name` (`--to`) starts the line when given.
 */
export function httpUrl(text: string, name?: string): URL {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    if (url.username || url.password) throw new UsageError(`${shown(text, name)} holds credentials (user:password@), which fetch refuses: pass the token with --token`);
    return url;
  }
  const guess = `http://${text}`;
  const hint = /^[\w.-]+(:\d+)?(\/|$)/.test(text) && URL.canParse(guess) ? ` (did you mean ${withoutSecrets(guess)}?)` : '';
  throw new UsageError(`${shown(text, name)} is not an http:// or https:// URL${hint}`);
}

function shown(text: string, name: string | undefined): string {
  return `${name ? `${name} ` : ''}'${withoutSecrets(text)}'`;
}

/** The URL as typed, with its userinfo (`user:password@`) and its `token` query value replaced by `[redacted]`. */
function withoutSecrets(text: string): string {
  return text.replace(/^([a-z][\w+.-]*:\/\/)?[^/?#@]*@/i, '$1[redacted]@').replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
