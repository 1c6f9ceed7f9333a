// A Worker that hands each store call it is sent to the example's DurableObjectStore: the conformance suite drives it.
import { DurableObjectStore } from '../../examples/worker-durable-object';

export { DedupeObject } from '../../examples/worker-durable-object';

export default {
  async fetch(request: Request, env: { DEDUPE: ConstructorParameters<typeof DurableObjectStore>[0] }): Promise<Response> {
    const { step, key, attempt, claimTtlMs } = (await request.json()) as { step: 'claim' | 'complete' | 'release'; key: string; attempt: string; claimTtlMs?: number };
    const answer = await new DurableObjectStore(env.DEDUPE, claimTtlMs)[step](key, attempt);
    return Response.json({ answer: answer ?? null });
  },
};
