// What the benchmark targets read besides the build: the package's MaiAgent schema as JSON, for the target that
// compiles it with ajv itself, and the package's parts for the inline reference target. The build ships neither
// (the schema is compiled into the generated validator, the parts into one bundle), so the harness writes them
// from the source before it starts any target.
'use strict';
const { buildSync } = require('esbuild');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const SCHEMA_FILE = join(__dirname, '.cache', 'maiagent.schema.json');

function writeSchemaFile() {
  const { outputFiles } = buildSync({
    entryPoints: [join(__dirname, '..', 'src', 'schemas', 'maiagent.schema.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
  });
  const loaded = { exports: {} };
  new Function('module', 'exports', outputFiles[0].text)(loaded, loaded.exports);
  mkdirSync(join(__dirname, '.cache'), { recursive: true });
  writeFileSync(SCHEMA_FILE, JSON.stringify(loaded.exports.maiagentSchema));
  return SCHEMA_FILE;
}

/** The package's own parts for the inline reference target, bundled from bench/inline-parts.ts. */
function writeInlineParts() {
  buildSync({
    entryPoints: [join(__dirname, 'inline-parts.ts')],
    outfile: join(__dirname, '.cache', 'inline-parts.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
}

/** Files the targets read, written before any target starts (building in a target would count against its start-up). */
function prepareTargets() {
  writeSchemaFile();
  writeInlineParts();
}

module.exports = { SCHEMA_FILE, writeSchemaFile, prepareTargets };
