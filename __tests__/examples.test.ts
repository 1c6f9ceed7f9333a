// The runnable example apps, each started as its README says (here on free ports), answering real deliveries.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { buildMaiAgentDelivery, sendDelivery } from 'maiagent-webhook/testing';
import { connectTestRedis, type TestRedis } from './support/redis';
import { startOwnRedis } from './support/redis-server';

interface Running {
  output(): string;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

function start(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Running {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', 'examples', script)], {
    env: { ...process.env, PORT: '0', MAIAGENT_WEBHOOK_TOKEN: 'example-token', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    output: () => output,
    waitFor: async (pattern) => {
      for (let i = 0; i < 200; i += 1) {
        const match = pattern.exec(output);
        if (match) return match;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`no ${pattern} in:\n${output}`);
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

describe('example apps', () => {
  it('existing-api: the webhook answers on the router, and the existing routes still work', async () => {
    const app = start('existing-api/server.mjs');
    try {
      const [, url] = await app.waitFor(/listening on (http:\/\/\S+)\/api\/maiagent\/webhook/);
      const delivery = buildMaiAgentDelivery({ content: 'x'.repeat(150_000) });
      expect((await sendDelivery(`${url}/api/maiagent/webhook`, { token: 'example-token', body: delivery })).status).toBe(200);
      await app.waitFor(/reply for conv-0001: x{10}/);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it('forward-replies: forwards to the chat service, and a failing service makes the platform retry', async () => {
    const app = start('forward-replies/server.mjs');
    try {
      const [, url] = await app.waitFor(/listening on (http:\/\/\S+)\/maiagent\/webhook/);
      const sent = await sendDelivery(`${url}/maiagent/webhook`, { token: 'example-token', body: buildMaiAgentDelivery({ content: 'onward' }) });
      expect(sent.status).toBe(200);
      await app.waitFor(/chat service got: \{"conversation":"conv-0001","text":"onward"/);
    } finally {
      await app.stop();
    }
    const broken = start('forward-replies/server.mjs', { DOWNSTREAM_URL: 'http://127.0.0.1:9/' });
    try {
      const [, url] = await broken.waitFor(/listening on (http:\/\/\S+)\/maiagent\/webhook/);
      expect((await sendDelivery(`${url}/maiagent/webhook`, { token: 'example-token' })).status).toBe(500);
      await broken.waitFor(/not delivered: 500 handler_failed/);
    } finally {
      await broken.stop();
    }
  });

  it('observability: Prometheus scrapes the counts from /metrics (promtool checks them), spans sit under the HTTP server spans', async () => {
    const app = start('observability/server.mjs', {}, ['--require', join(__dirname, '..', 'examples', 'observability', 'telemetry.cjs')]);
    try {
      const [, base] = await app.waitFor(/listening on (http:\/\/\S+)\/maiagent\/webhook/);
      const delivery = buildMaiAgentDelivery();
      for (const body of [delivery, delivery, buildMaiAgentDelivery()]) expect((await sendDelivery(`${base}/maiagent/webhook`, { token: 'example-token', body })).status).toBe(200);
      expect((await sendDelivery(`${base}/maiagent/webhook`, { token: 'wrong' })).status).toBe(401);
      const exposition = await (await fetch(`${base}/metrics`)).text();

      const promtool = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
      if (promtool.error) throw new Error(`promtool could not run (apt-get install prometheus): ${promtool.error.message}`);
      expect({ status: promtool.status, problems: `${promtool.stdout}${promtool.stderr}`.trim() }).toEqual({ status: 0, problems: '' });

      const sample = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}[^}]*\\} (\\S+)$`, 'm').exec(exposition)?.[1];
      const deliveries = (code: string, status: number) => sample('maiagent_webhook_deliveries_total', `messaging_system="maiagent",maiagent_webhook_outcome="${code}",http_response_status_code="${status}"`);
      expect({ delivered: deliveries('delivered', 200), duplicate: deliveries('duplicate', 200), unauthorized: deliveries('unauthorized', 401) }).toEqual({ delivered: '2', duplicate: '1', unauthorized: '1' });
      expect(sample('maiagent_webhook_duplicates_total', 'messaging_system="maiagent"')).toBe('1');
      expect(sample('messaging_process_duration_count', 'messaging_system="maiagent"')).toBe('2');
      expect(sample('maiagent_webhook_callback_active', 'messaging_system="maiagent"')).toBe('0');

      // The console exporter prints each span as an object: every 'process maiagent' span's parent is a POST span.
      await app.waitFor(/name: 'process maiagent'[\s\S]*name: 'process maiagent'/);
      await app.waitFor(/name: 'POST'[\s\S]*name: 'POST'[\s\S]*name: 'POST'/);
      const printed = app.output().split(/^\{$/m).map((block) => ({
        name: /^ {2}name: '([^']+)'/m.exec(block)?.[1],
        id: /^ {2}id: '(\w+)'/m.exec(block)?.[1],
        parent: /parentSpanContext: \{[^}]*spanId: '(\w+)'/.exec(block)?.[1],
      }));
      const httpSpans = new Set(printed.filter((span) => span.name === 'POST').map((span) => span.id));
      const processSpans = printed.filter((span) => span.name === 'process maiagent');
      expect(processSpans).toHaveLength(2);
      expect(processSpans.every((span) => httpSpans.has(span.parent))).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it('whole-flow: against the fake MaiAgent, a channel message is answered by push, ask answers, reconcile recovers a lost reply once', async () => {
    const app = start('whole-flow/start.mjs');
    try {
      await app.waitFor(/reconcile again: .*/);
      const output = app.output();
      expect(output).toContain('pushed to U-alice: The assistant\'s answer to "When do you open?"');
      expect(output).toContain('ask answered: The assistant\'s answer to "Do you ship abroad?"');
      expect(output.match(/pushed to U-bob/g)).toHaveLength(1);
      expect(output).toContain('reconcile: {"replayed":1,"alreadyDelivered":0,"invalid":0,"failed":0,"answered":2,"expired":0,"future":0}');
      expect(output).toContain('reconcile again: {"replayed":0,"alreadyDelivered":1,"invalid":0,"failed":0,"answered":2,"expired":0,"future":0}');
    } finally {
      await app.stop();
    }
  });

  describe('redis-two-processes', () => {
    let redis: TestRedis;
    beforeAll(async () => {
      redis = await connectTestRedis();
    });
    afterAll(() => redis.close());

    it('runs the callback once for a delivery sent to both processes, and answers the retry 200', async () => {
      const app = start('redis-two-processes/start.mjs', { REDIS_URL: redis.url });
      try {
        await app.waitFor(/the platform's retry, later: 200/);
        expect(app.output()).toMatch(/same delivery to both at once: (409 and 200|200 and 409)/);
        expect(app.output().match(/handled /g)).toHaveLength(1);
      } finally {
        await app.stop();
      }
    });

    it('Redis stopped and started again: both receivers stay up, say so in one line each, and answer 200 after', async () => {
      const own = await startOwnRedis();
      const app = start('redis-two-processes/start.mjs', { REDIS_URL: own.url });
      try {
        const [, urls] = await app.waitFor(/receivers on (.+)/);
        await app.waitFor(/the platform's retry, later: 200/);
        await own.stop();
        await app.waitFor(/A redis: .*\n(.*\n)*B redis: |B redis: .*\n(.*\n)*A redis: |Unhandled 'error' event/);
        await own.start();
        expect(app.output()).not.toMatch(/^\s+at /m);
        const delivery = buildMaiAgentDelivery({ content: 'after the restart' });
        const statuses = [];
        for (const url of (urls as string).split(' and ')) {
          let sent = await sendDelivery(url, { token: 'example-token', body: delivery }).catch(() => ({ status: 0 }));
          for (let tries = 0; sent.status !== 200 && tries < 40; tries += 1) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            sent = await sendDelivery(url, { token: 'example-token', body: delivery }).catch(() => ({ status: 0 }));
          }
          statuses.push(sent.status);
        }
        expect(statuses).toEqual([200, 200]);
      } finally {
        await app.stop();
        await own.dispose();
      }
    }, 60_000);
  });
});
