// An existing API that already parses JSON on every route, with the MaiAgent webhook added to its router.
import express from 'express';
import { maiagentWebhook } from 'maiagent-webhook';

const token = process.env.MAIAGENT_WEBHOOK_TOKEN ?? 'example-token';
const app = express();
const api = express.Router();

// Raised from express.json()'s 100 kB default: MaiAgent's replies with citations can be larger.
api.use(express.json({ limit: '1mb' }));
api.get('/health', (req, res) => res.json({ ok: true }));
api.post('/orders', (req, res) => res.status(201).json({ received: req.body }));
api.post('/maiagent/webhook', maiagentWebhook({
  authToken: token,
  onMessage: (message) => console.log(`reply for ${message.conversation}: ${message.content}`),
  onRejected: (rejection) => console.log(`refused: ${rejection.status} ${rejection.code}`),
}));
app.use('/api', api);

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}/api/maiagent/webhook?token=${process.env.MAIAGENT_WEBHOOK_TOKEN ? '$MAIAGENT_WEBHOOK_TOKEN' : token}`);
});
