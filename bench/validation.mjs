// One validation per body size: the generated standalone validator against ajv compiling the same schema at
// start-up (what a hand-written receiver does), and what that compile costs.
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');

function nsPerCall(fn, value, iterations) {
  for (let i = 0; i < iterations / 10; i += 1) fn(value); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i += 1) if (!fn(value)) throw new Error('benchmark body must be valid');
  return ((performance.now() - started) * 1e6) / iterations;
}

/** Runs after the harness has built dist/ and written the schema file (prepare.cjs), so both are read here, not on import. */
export function validationMicro(bodies) {
  const { validator: generated } = require('../dist/runtime.js').loadPreset('maiagent');
  const maiagentSchema = JSON.parse(readFileSync(require('./prepare.cjs').SCHEMA_FILE, 'utf8'));
  const compileStarted = performance.now();
  const compiled = new Ajv({ allErrors: true, allowUnionTypes: true, strictRequired: false }).compile(maiagentSchema);
  const compileMs = performance.now() - compileStarted;
  const result = { ajvCompileAtStartupMs: Number(compileMs.toFixed(2)) };
  for (const [name, text] of Object.entries(bodies)) {
    const value = JSON.parse(text.replace('__ID__', 'validation'));
    const iterations = name === 'small' ? 500_000 : 5_000;
    const ours = nsPerCall(generated, value, iterations);
    const theirs = nsPerCall(compiled, value, iterations);
    result[name] = { generatedNs: Math.round(ours), ajvRuntimeNs: Math.round(theirs), ratio: Number((ours / theirs).toFixed(2)) };
  }
  return result;
}
