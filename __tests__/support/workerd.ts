import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { Miniflare, type MiniflareOptions } from 'miniflare';
import type { ClaimState, DedupeStore } from 'maiagent-webhook';

const root = join(__dirname, '..', '..');

/** The package as built (`dist`), the way a consumer's bundler sees it. */
const builtPackage: Plugin = {
  name: 'maiagent-webhook-dist',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^maiagent-webhook(\/.*)?$/ }, ({ path }) => ({ path: join(root, 'dist', `${path.slice('maiagent-webhook/'.length) || 'index'}.mjs`) }));
  },
};

/** A Worker module from this repository, bundled by esbuild for workerd (no Node.js built-ins). */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({ entryPoints: [join(root, entry)], bundle: true, format: 'esm', platform: 'browser', conditions: ['worker', 'browser'], write: false, logLevel: 'warning', plugins: [builtPackage] });
  return result.outputFiles[0]?.text ?? '';
}

/** workerd through Miniflare, without nodejs_compat and without reaching Cloudflare. */
export async function startWorkerd(script: string, options: Partial<MiniflareOptions> = {}): Promise<Miniflare> {
  const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', compatibilityFlags: [], cf: false, ...options } as MiniflareOptions);
  await mf.ready;
  return mf;
}

/** The DurableObjectStore of examples/worker-durable-object.ts, in workerd, driven from here through a harness. */
export async function startDurableObjectStore(options: { claimTtlMs?: number } = {}): Promise<{ store: DedupeStore; dispose(): Promise<void> }> {
  const mf = await startWorkerd(await bundleWorker('__tests__/support/durable-object-harness.ts'), { durableObjects: { DEDUPE: 'DedupeObject' } });
  const call = async (step: string, key: string, attempt: string) => {
    const response = await mf.dispatchFetch('http://127.0.0.1/', { method: 'POST', body: JSON.stringify({ step, key, attempt, ...options }) });
    return ((await response.json()) as { answer: ClaimState | null }).answer;
  };
  return {
    store: {
      claim: (key, attempt) => call('claim', key, attempt) as Promise<ClaimState>,
      complete: async (key, attempt) => void (await call('complete', key, attempt)),
      release: async (key, attempt) => void (await call('release', key, attempt)),
    },
    dispose: () => mf.dispose(),
  };
}
