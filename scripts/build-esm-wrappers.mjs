#!/usr/bin/env node
// After tsc has built the CommonJS files: an ES module wrapper (.mjs) and its types (.d.mts) for every entry point.
// One implementation serves both `import` and `require`, so a program that does both never holds two copies of the
// package (two MemoryStore classes, two sets of handlers): the dual-package hazard Node's documentation describes.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const require = createRequire(import.meta.url);
const ENTRIES = ['index', 'node', 'fetch', 'fastify', 'koa', 'redis', 'otel', 'bullmq', 'client', 'testing/index'];

for (const entry of ENTRIES) {
  const names = Object.keys(require(join(dist, `${entry}.js`))).filter((name) => name !== '__esModule' && name !== 'default');
  const file = `./${basename(entry)}.js`;
  writeFileSync(join(dist, `${entry}.mjs`), `import cjs from '${file}';\n\nexport const { ${names.join(', ')} } = cjs;\n`);
  writeFileSync(join(dist, `${entry}.d.mts`), `export * from '${file}';\n`);
}
