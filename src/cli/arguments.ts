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
