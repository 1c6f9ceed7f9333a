// Cold start: from spawning a target's process to its first 200 answer, median of fresh processes.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { TOKEN } = require('./targets/common.cjs');
const RUNS = Number(process.env.COLD_RUNS ?? 10);

async function firstOk(port, body) {
  for (;;) {
    const response = await fetch(`http://127.0.0.1:${port}/maiagent/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: body.replace('__ID__', `cold-${performance.now()}`),
    });
    await response.arrayBuffer();
    if (response.status === 200) return;
  }
}

export async function coldStart(targets, startTarget, stop, body) {
  const samples = Object.fromEntries(targets.map((t) => [t.key, []]));
  for (let run = 0; run < RUNS; run += 1) {
    for (const target of targets) {
      const started = performance.now();
      const { child, port } = await startTarget(target.key);
      await firstOk(port, body);
      samples[target.key].push(performance.now() - started);
      await stop(child);
    }
  }
  const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  return { runs: RUNS, medianMs: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) };
}
