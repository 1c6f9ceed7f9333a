// (3) What a careful user writes by hand: express.json(), a constant-time bearer check, and an ajv validator
// compiled at start-up from the same schema the package uses.
'use strict';
const http = require('node:http');
const { createHash, timingSafeEqual } = require('node:crypto');
const express = require('express');
const Ajv = require('ajv');
const { TOKEN, ready } = require('./common.cjs');
const maiagentSchema = require('../.cache/maiagent.schema.json');

const validate = new Ajv({ allErrors: true, allowUnionTypes: true, strictRequired: false }).compile(maiagentSchema);
const expected = createHash('sha256').update(`Bearer ${TOKEN}`).digest();

const app = express();
app.post('/maiagent/webhook', express.json({ limit: '1mb' }), (req, res) => {
  const presented = createHash('sha256').update(req.headers.authorization ?? '').digest();
  if (!timingSafeEqual(presented, expected)) return res.status(401).json({ error: 'unauthorized' });
  if (!validate(req.body)) return res.status(422).json({ error: 'invalid_payload' });
  res.status(200).json({ message: 'Webhook received successfully' });
});
ready(http.createServer(app));
