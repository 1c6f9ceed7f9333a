// (4) This package's Express middleware, default options (token check, validation, memory dedupe).
'use strict';
const http = require('node:http');
const express = require('express');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('index.js'));

const app = express();
app.post('/maiagent/webhook', maiagentWebhook({ authToken: TOKEN, onMessage: async () => {} }));
ready(http.createServer(app));
