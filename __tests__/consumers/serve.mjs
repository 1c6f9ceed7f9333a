// Runs one compiled README example inside a consumer project, as a reader would start it, with two changes: every
// server listens on 127.0.0.1 on a port the system picks (the examples say 3000), and an example that exports its
// app, route handler or start function instead of listening is started here; requests beyond loopback are answered
// here. Prints `listening <port>` once.
//   node serve.mjs <example.js>
import http from 'node:http';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function onLoopback(...args) {
  this.once('listening', () => console.log(`listening ${this.address().port}`));
  return listen.call(this, 0, '127.0.0.1', args.find((arg) => typeof arg === 'function'));
};

// Nothing leaves loopback: a callback that forwards a reply elsewhere (behind-express-json) gets an `ok`.
const loopbackFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const { hostname } = new URL(input instanceof Request ? input.url : String(input));
  return hostname === '127.0.0.1' || hostname === 'localhost' ? loopbackFetch(input, init) : Promise.resolve(new Response('ok'));
};

const example = await import(pathToFileURL(resolve(process.argv[2])).href);

if (typeof example.app?.ready === 'function') await example.app.listen({ port: 0 }); // Fastify
else if (typeof example.app?.listen === 'function') example.app.listen(0); // Express, Koa
else if (typeof example.POST === 'function') serveFetchHandler(example.POST); // a Next.js route handler
else if (typeof workerFetch(example) === 'function') serveFetchHandler((request) => workerFetch(example)(request, process.env, { waitUntil() {} })); // a Worker
else if (typeof example.start === 'function') await example.start(emptyNestModule(), 0); // NestJS

/** A Worker's `fetch` (its default export; compiled to CommonJS, the default of module.exports), bound to it. */
function workerFetch(example) {
  const worker = typeof example.default?.fetch === 'function' ? example.default : example.default?.default;
  return worker?.fetch?.bind(worker);
}

/** The route handler behind node:http, as Next.js serves it: a Request in, a Response out. */
function serveFetchHandler(handler) {
  http.createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const response = await handler(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers, body: Buffer.concat(chunks) }));
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(Buffer.from(await response.arrayBuffer()));
  }).listen(0);
}

/** `@Module({}) class AppModule {}`, without decorator syntax. */
function emptyNestModule() {
  const { Module } = createRequire(resolve(process.argv[2]))('@nestjs/common');
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a Nest module: an empty class and its metadata
  class AppModule {}
  Module({})(AppModule);
  return AppModule;
}
