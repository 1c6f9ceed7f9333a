// The receiver every runtime test runs, from the packed tarball: the same options and the same cases everywhere.
import { maiagentWebhook } from 'maiagent-webhook/fetch';

let calls = 0;
export const webhook = maiagentWebhook({
  authToken: 'runtime-token',
  limit: '2kb',
  timeoutMs: 300,
  onMessage: async (message) => {
    calls += 1;
    if (message.content === 'slow') await new Promise((resolve) => setTimeout(resolve, 1500));
  },
});

/**
 * The webhook; with `?calls`, how many times the callback ran, for the test to count (one route serves both). What
 * the runtime passes after the request (a Worker's `env` and `ctx`) goes on to the webhook as it came.
 */
export function route(request, ...runtime) {
  if (new URL(request.url).searchParams.has('calls')) return Response.json({ calls });
  return webhook(request, ...runtime);
}
