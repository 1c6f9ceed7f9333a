// Starts two receivers that share a RedisStore, sends one delivery to both at once, then one retry, and shows that
// exactly one callback ran. The receivers keep running (Ctrl-C stops them).
import { fork } from 'node:child_process';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';

const token = process.env.MAIAGENT_WEBHOOK_TOKEN ?? 'example-token';
const base = Number(process.env.PORT ?? 3001);
const workers = ['A', 'B'].map((name, i) => fork(new URL('./worker.mjs', import.meta.url), { env: { ...process.env, WORKER_NAME: name, PORT: String(base === 0 ? 0 : base + i) } }));
const ports = await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', ({ port }) => resolve(port)))));
const urls = ports.map((port) => `http://127.0.0.1:${port}/maiagent/webhook`);
console.log(`receivers on ${urls.join(' and ')}`);

const delivery = buildMaiAgentDelivery({ content: 'sent to both' });
const [first, second] = await Promise.all(urls.map((url) => sendDelivery(url, { token, body: delivery })));
console.log(`same delivery to both at once: ${first.status} and ${second.status}`);
const retry = await sendDelivery(urls[1], { token, body: delivery });
console.log(`the platform's retry, later: ${retry.status}`);
process.on('SIGINT', () => workers.forEach((worker) => worker.kill()));
process.on('SIGTERM', () => workers.forEach((worker) => worker.kill()));
