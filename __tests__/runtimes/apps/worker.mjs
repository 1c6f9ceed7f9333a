// A Cloudflare Worker (ES module syntax), bundled by esbuild and run by workerd without nodejs_compat. The route is
// the Worker's fetch as it is: workerd calls it with (request, env, ctx).
import { route } from './webhook.mjs';

export default {
  fetch: route,
};
