#!/usr/bin/env node
// After tsc: bundles src/runtime.ts (the adapters, the core, the presets, the memory store) into dist/runtime.js,
// then removes the per-file JavaScript that no entry point loads any more. Loading the package then reads one file
// instead of twenty: 5-6 ms instead of 20-27 ms here, where a bare node:http server's whole cold start takes about
// 150 ms (bench/README.md). The .d.ts files stay.
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const ENTRIES = ['index.js', 'node.js', 'fetch.js', 'fastify.js', 'koa.js', 'redis.js', 'otel.js', 'bullmq.js', 'client.js', 'testing/index.js', 'cli.js'];

await build({
  entryPoints: [join(root, 'src', 'runtime.ts')],
  outfile: join(dist, 'runtime.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});

// The shared values are declared from their own modules (src/shared-values.ts), but served from the bundle, so
// there is one MemoryStore class, one OUTCOMES, whichever entry point a program loads them from.
writeFileSync(join(dist, 'shared-values.js'), "'use strict';\n// The values live in the bundle: see src/shared-values.ts.\nmodule.exports = require('./runtime.js');\n");

/** Every file an entry point loads, following relative require() calls in the emitted CommonJS. */
function loadedFiles() {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, target] of readFileSync(file, 'utf8').matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
      const path = resolve(dirname(file), target);
      visit(existsSync(`${path}.js`) ? `${path}.js` : join(path, 'index.js'));
    }
  };
  for (const entry of ENTRIES) visit(join(dist, entry));
  return seen;
}

const keep = loadedFiles();
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath, entry.name);
  const script = file.endsWith('.js.map') ? file.slice(0, -4) : file;
  if (entry.isFile() && script.endsWith('.js') && !keep.has(script)) rmSync(file);
}

// tsc writes files without the executable bit; the bin must have it, in a clone too (npx maiagent-webhook there).
chmodSync(join(dist, 'cli.js'), 0o755);
