// Serves N requests, then exits: run under valgrind --tool=callgrind to count instructions per request.
//   node serve.cjs <raw|package> <N> <portfile>
const http = require('node:http');
const [kind, n, portFile] = process.argv.slice(2);
let served = 0;
let listener;
if (kind === 'raw') {
  listener = (req, res) => { const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => { JSON.parse(Buffer.concat(chunks).toString('utf8')); res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"Webhook received successfully"}'); }); };
} else {
  const { maiagentWebhook } = require('../../dist/node.js');
  listener = maiagentWebhook({ authToken: 'bench-token-0123456789abcdef', onMessage: async () => {} });
}
const server = http.createServer((req, res) => { res.on('finish', () => { if (++served === Number(n)) { server.closeAllConnections(); server.close(); } }); listener(req, res); });
server.listen(0, '127.0.0.1', () => require('fs').writeFileSync(portFile, String(server.address().port)));
