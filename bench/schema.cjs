// The package's MaiAgent schema as JSON, for the targets that compile it with ajv themselves. The build bundles the
// schema into the validator it generates and ships no schema file, so the harness writes one from the source
// before it starts any target (compiling TypeScript in a target would count against its start-up).
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

module.exports = { SCHEMA_FILE, writeSchemaFile };
