// (5) This package's node:http adapter, default options.
'use strict';
const http = require('node:http');
const { TOKEN, dist, ready } = require('./common.cjs');
const { maiagentWebhook } = require(dist('node.js'));

ready(http.createServer(maiagentWebhook({ authToken: TOKEN, onMessage: async () => {} })));
