#!/usr/bin/env node
// After tsc has built the CommonJS files: an ES module wrapper (.mjs) for every entry point, and a .d.mts twin of
// every declaration file.
// One implementation serves both `import` and `require`, so a program that does both never holds two copies of the
// package (two MemoryStore classes, two sets of handlers): the dual-package hazard Node's documentation describes.
// The types, though, must be ES module types all the way down: a .d.mts that re-exported the CommonJS .d.ts would
// make TypeScript resolve a peer's types (@opentelemetry/api, express) as `require` does, while the user's own
// import resolves them as `import` does, and two copies of the peer's types would meet ("separate declarations of
// a private property").
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
}

/** `./x` as an ES module must name its file: `./x.mjs` (whose types are x.d.mts), or `./x/index.mjs`. */
function esmSpecifier(fromDir, specifier) {
  return existsSync(join(fromDir, `${specifier}.d.ts`)) ? `${specifier}.mjs` : `${specifier}/index.mjs`;
}

for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  const types = readFileSync(file, 'utf8').replace(/(from |import\()(['"])(\.{1,2}\/[^'"]*)\2/g, (_, keyword, quote, specifier) => `${keyword}${quote}${esmSpecifier(entry.parentPath, specifier)}${quote}`);
  writeFileSync(file.replace(/\.d\.ts$/, '.d.mts'), types);
}

console.log(`built dist/: ${ENTRIES.length} entry points, each for import and require`);
