import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LONGEST_TIMER_MS } from '../client/limits';
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
  throw new UsageError(`--provider must be maiagent or gptbots, not ${quoted(value)}`);
}

export function parseCount(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number of at least ${min}, not ${quoted(value)}`);
  return n;
}

/** A positive number of seconds (`--timeout`), as milliseconds. */
export function parseSeconds(value: string | undefined, name: string, fallbackSeconds: number): number {
  const milliseconds = Math.round((value === undefined ? fallbackSeconds : Number(value)) * 1000);
  // Past the longest a timer waits Node fires it at once, and a bound of 0 ms bounds nothing.
  if (!(milliseconds >= 1 && milliseconds <= LONGEST_TIMER_MS)) {
    throw new UsageError(`${name} must be a number of seconds from 0.001 to ${Math.floor(LONGEST_TIMER_MS / 1000)} (the longest a timer waits), not ${quoted(value ?? '')}`);
  }
  return milliseconds;
}

/**
 * parseArgs, with the two mistakes whose own messages quote what was typed said without it: a positional argument
 * where none is taken (often a key pasted in the wrong place) by its position, and an unknown `--option=value` by
 * its name only.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  const { tokens } = parseArgs({ ...config, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens ?? []) {
    if (token.kind === 'option' && !Object.hasOwn(config.options ?? {}, token.name)) throw new UsageError(`Unknown option '${token.rawName}' (try 'maiagent-webhook ${command} --help')`);
    if (token.kind === 'positional' && !config.allowPositionals) {
      throw new UsageError(`${command} takes no positional argument, yet argument ${token.index + 1} after '${command}' is one (not shown: it may be a secret)`);
    }
  }
  return parseArgs(config);
}

/**
 * An http(s) URL without credentials; `localhost:3000/...` parses as a URL of scheme `localhost:`, which fetch
 * cannot send to, and fetch refuses `user:password@` quoting the whole URL. Refused in words that never echo the
 * URL's token or password; `name` (`--to`) starts the line when given.
 */
export function httpUrl(text: string, name?: string, credentialsAdvice = ', which fetch refuses: pass the token with --token'): URL {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url && (url.protocol === 'http:' || url.protocol === 'https:')) {
    if (url.username || url.password) throw new UsageError(`${shown(text, name)} holds credentials (user:password@)${credentialsAdvice}`);
    return url;
  }
  const guess = `http://${text}`;
  const hint = /^[\w.-]+(:\d+)?(\/|$)/.test(text) && URL.canParse(guess) ? ` (did you mean ${urlWithoutSecrets(guess)}?)` : '';
  throw new UsageError(`${shown(text, name)} is not an http:// or https:// URL${hint}`);
}

function shown(text: string, name: string | undefined): string {
  return `${name ? `${name} ` : ''}${quoted(text)}`;
}

/** A value as a usage error may quote it: in quotes, whatever in it reads as a URL's secret redacted. */
export function quoted(value: string): string {
  // A value with a line break in it would make a one-line message two.
  return `'${urlWithoutSecrets(value).replace(/[\r\n]/g, ' ')}'`;
}

/** The URL as typed, with its userinfo (`user:password@`) and its `token` query value replaced by `[redacted]`. */
export function urlWithoutSecrets(text: string): string {
  return text.replace(/^([a-z][\w+.-]*:\/\/)?[^/?#@]*@/i, '$1[redacted]@').replace(/([?&](?:token|key|api_key|apikey)=)[^&#]*/gi, '$1[redacted]');
}
