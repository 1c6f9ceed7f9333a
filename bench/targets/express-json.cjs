// (2) What most users start from: Express with express.json() and a route that answers 200.
'use strict';
const http = require('node:http');
const express = require('express');
const { ready } = require('./common.cjs');

const app = express();
app.post('/maiagent/webhook', express.json({ limit: '1mb' }), (req, res) => {
  res.status(200).json({ message: 'Webhook received successfully' });
});
ready(http.createServer(app));
