// Everything the entry points run, in one module: the build bundles it into dist/runtime.js, so loading the
// package reads one file instead of twenty (5-6 ms instead of 20-27 ms, measured; see bench/README.md). Types are
// exported from their own modules; only values pass through here.
import { observeDeliveries } from './core/observer';
import { channelsObserver } from './observability/channels';

export { expressMiddleware } from './adapters/express';
export { nodeHandler } from './adapters/node';
export { fetchHandler } from './adapters/fetch';
export { fastifyPlugin } from './adapters/fastify';
export { koaMiddleware } from './adapters/koa';
export { presetFactories, loadPreset, withDefaultStore } from './presets/factories';
export { validatePayload } from './core/validate';
export { createWebhookHandler } from './core/handle';
export { readEpochMs } from './presets/timestamps';
export * from './shared-values';

// The one place the core's observer port is wired: deliveries are published on node:diagnostics_channel where the
// runtime has it (nothing is built for a channel nobody subscribes to).
observeDeliveries(channelsObserver());
