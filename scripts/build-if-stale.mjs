#!/usr/bin/env node
// `npm start` in a clone: builds only when dist/ is missing or older than what it is built from, so a second start
// is instant and quiet.
//   node scripts/build-if-stale.mjs           build when stale
//   node scripts/build-if-stale.mjs --check   only say whether it is stale (exit 0 either way)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Written last by the build: its time is the build's.
const built = join(root, 'dist', 'testing', 'index.mjs');
const SOURCES = ['src', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function files(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** Why dist/ needs building, or undefined when it is up to date. */
function staleness() {
  if (!existsSync(built)) return 'dist/ is missing';
  const builtAt = statSync(built).mtimeMs;
  const newer = SOURCES.flatMap((source) => files(join(root, source))).find((file) => statSync(file).mtimeMs > builtAt);
  return newer && `dist/ is older than ${relative(root, newer)}`;
}

const stale = staleness();
if (process.argv.includes('--check')) console.log(stale ?? 'dist/ is up to date');
else if (stale) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
