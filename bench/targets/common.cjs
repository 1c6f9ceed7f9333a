// What every benchmark target shares: the port to listen on, the token, and telling the harness it is ready.
'use strict';
const { join } = require('node:path');

const TOKEN = 'bench-token-0123456789abcdef';
// DIST_DIR points a target at another build, so `bench:pair -- package-node:DIST_DIR=/tmp/old/dist package-node` compares two commits.
const dist = (file) => join(process.env.DIST_DIR ?? join(__dirname, '..', '..', 'dist'), file);

// Exiting (rather than dying of the signal) lets `node --cpu-prof` write its profile.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

function ready(server) {
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${server.address().port}\n`);
  });
}

module.exports = { TOKEN, dist, ready };
