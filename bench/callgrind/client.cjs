// Sends N small-body deliveries, 8 at a time, to the server whose port serve.cjs wrote to <portfile>.
//   node client.cjs <portfile> <N>
const [portFile, n] = process.argv.slice(2);
const fs = require('fs');
const body = require('../bodies.cjs').small;
(async () => {
  while (!fs.existsSync(portFile)) await new Promise((r) => setTimeout(r, 200));
  const port = fs.readFileSync(portFile, 'utf8');
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < Number(n)) {
      const i = next++;
      const r = await fetch(`http://127.0.0.1:${port}/maiagent/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token-0123456789abcdef' }, body: body.replace('__ID__', 'cg-' + i) });
      if (r.status !== 200) throw new Error('status ' + r.status);
      await r.arrayBuffer();
    }
  }));
})();
