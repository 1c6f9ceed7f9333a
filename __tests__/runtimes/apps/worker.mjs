// A Cloudflare Worker (ES module syntax), bundled by esbuild and run by workerd without nodejs_compat.
import { route } from './webhook.mjs';

export default {
  fetch: (request) => route(request),
};
