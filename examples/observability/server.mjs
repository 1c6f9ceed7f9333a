// An Express receiver seen from the outside: OpenTelemetry spans and metrics, scraped by Prometheus on /metrics.
// Start it with the telemetry loaded first: node --require ./examples/observability/telemetry.cjs examples/observability/server.mjs
import { createRequire } from 'node:module';
import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

const { prometheus } = createRequire(import.meta.url)('./telemetry.cjs');
const token = process.env.MAIAGENT_WEBHOOK_TOKEN ?? 'example-token';

const app = express();
app.post('/maiagent/webhook', maiagentWebhook({
  authToken: token,
  onMessage: async (message) => {
    console.log(`reply for ${message.conversation}: ${message.content.slice(0, 40)}`);
  },
}));
app.get('/metrics', (req, res) => prometheus.getMetricsRequestHandler(req, res));

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(`listening on ${base}/maiagent/webhook (metrics on ${base}/metrics)`);
});
