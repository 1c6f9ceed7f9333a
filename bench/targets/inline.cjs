// Everything (5) does with default options, written inline in one listener from the package's own parts: token,
// content type, body deadline, strict UTF-8, parse, depth and schema checks, folding, dedupe, an async callback with
// its deadline. Not a target of the issue: the ceiling for any restructuring of the pipeline (bench:pair -- raw inline).
'use strict';
const http = require('node:http');
const { TOKEN, ready } = require('./common.cjs');
const parts = require('../.cache/inline-parts.js');

const preset = parts.maiagentPreset;
const checkToken = parts.createTokenCheck([TOKEN], preset.authSchemes);
const store = new parts.MemoryStore();
const bodyDeadlines = new parts.DeadlineQueue(10_000);
const callbackDeadlines = new parts.DeadlineQueue(10_000);
const utf8 = new TextDecoder('utf-8', { fatal: true });
const onMessage = async () => {};
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(preset.ackBody) };

function refuse(res, status) {
  res.writeHead(status).end();
}

ready(http.createServer((req, res) => {
  const request = { method: req.method, url: req.url, header: (name) => req.headers[name] };
  if (req.method !== 'POST' || !checkToken(request)) return refuse(res, 401);
  if (!parts.isJsonContentType(req.headers['content-type'])) return refuse(res, 415);
  const chunks = [];
  const deadline = bodyDeadlines.add(() => refuse(res, 408));
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    deadline.cancel();
    const text = utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    const value = JSON.parse(text);
    if (!parts.validatePayload(preset.validator, value).ok) return refuse(res, 422);
    const message = preset.toMessage(value);
    const reply = preset.toReply(message);
    const key = `${reply.platform}:${reply.id}`;
    if (store.claim(key) !== 'claimed') return refuse(res, 409);
    const context = new parts.CallbackContext(text, reply, 10_000);
    const callbackDeadline = callbackDeadlines.add(() => refuse(res, 503));
    onMessage(message, context).then(() => {
      callbackDeadline.cancel();
      store.complete(key);
      res.writeHead(200, HEADERS).end(preset.ackBody);
    });
  });
}));
