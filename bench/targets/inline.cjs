// Everything (5) does with default options, written inline in one listener from the package's own parts: token,
// content type, body deadline, strict UTF-8, parse, depth and schema checks, folding, dedupe, an async callback with
// its deadline. Not a target of the issue: the ceiling for any restructuring of the pipeline (bench:pair -- raw inline).
// WITHOUT (comma-separated) leaves parts out, to see what each costs: `bench:pair -- inline inline:WITHOUT=store`.
// Parts: token, deadline (both), utf8 (lenient Buffer#toString instead), validate (depth and schema), fold, store,
// async (a synchronous callback, answered in the 'end' handler).
'use strict';
const http = require('node:http');
const { TOKEN, ready } = require('./common.cjs');
const parts = require('../.cache/inline-parts.js');

const without = new Set((process.env.WITHOUT ?? '').split(','));
const preset = parts.maiagentPreset;
const checkToken = without.has('token') ? () => true : parts.createTokenCheck([TOKEN], preset.authSchemes);
const store = new parts.MemoryStore();
const NO_DEADLINE = { cancel() {} };
const noDeadlines = { add: () => NO_DEADLINE };
const bodyDeadlines = without.has('deadline') ? noDeadlines : new parts.DeadlineQueue(10_000);
const callbackDeadlines = without.has('deadline') ? noDeadlines : new parts.DeadlineQueue(10_000);
const utf8 = without.has('utf8') ? { decode: (bytes) => bytes.toString('utf8') } : new TextDecoder('utf-8', { fatal: true });
const onMessage = without.has('async') ? () => {} : async () => {};
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(preset.ackBody) };

function refuse(res, status) {
  res.writeHead(status).end();
}

function fold(value) {
  if (without.has('fold')) return { message: value, reply: { platform: 'maiagent', id: value.id } };
  const message = preset.toMessage(value);
  return { message, reply: preset.toReply(message) };
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
    if (!without.has('validate') && !parts.validatePayload(preset.validator, value).ok) return refuse(res, 422);
    const { message, reply } = fold(value);
    const key = `${reply.platform}:${reply.id}`;
    if (!without.has('store') && store.claim(key, key) !== 'claimed') return refuse(res, 409);
    const context = new parts.CallbackContext(text, reply, 10_000);
    const callbackDeadline = callbackDeadlines.add(() => refuse(res, 503));
    const answer = () => {
      callbackDeadline.cancel();
      if (!without.has('store')) store.complete(key, key);
      res.writeHead(200, HEADERS).end(preset.ackBody);
    };
    const returned = onMessage(message, context);
    if (returned) returned.then(answer);
    else answer();
  });
}));
