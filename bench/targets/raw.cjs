// (1) The ceiling: node:http reads the body, JSON.parse, answers 200.
'use strict';
const http = require('node:http');
const { ready } = require('./common.cjs');

ready(http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Webhook received successfully"}');
  });
}));
