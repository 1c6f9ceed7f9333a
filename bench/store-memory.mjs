// Memory of the default MemoryStore after a million distinct ids, measured in a fresh process with a forced GC,
// against a plain Set holding the same ids (what an unbounded hand-rolled dedupe keeps).
import { execFileSync } from 'node:child_process';

const IDS = 1_000_000;
const script = (kind) => `
const { MemoryStore } = require('./dist/index.js');
gc();
const before = process.memoryUsage().heapUsed;
let store;
if (${JSON.stringify(kind)} === 'store') {
  store = new MemoryStore();
  for (let i = 0; i < ${IDS}; i++) { const k = 'maiagent:' + i.toString(16).padStart(8, '0') + '-5e1a-4c0d-9f3b-1b2c3d4e5f60'; store.claim(k, 'a'); store.complete(k); }
} else {
  store = new Set();
  for (let i = 0; i < ${IDS}; i++) store.add('maiagent:' + i.toString(16).padStart(8, '0') + '-5e1a-4c0d-9f3b-1b2c3d4e5f60');
}
gc();
console.log(JSON.stringify({ mb: (process.memoryUsage().heapUsed - before) / 1048576, size: store.size, bound: store.maxEntries }));
store.close?.();
`;

export function storeMemory() {
  const measure = (kind) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script(kind)], { cwd: new URL('..', import.meta.url), encoding: 'utf8' }));
  const store = measure('store');
  const set = measure('set');
  return { ids: IDS, storeMb: Number(store.mb.toFixed(1)), storeEntries: store.size, maxEntries: store.bound, unboundedSetMb: Number(set.mb.toFixed(1)) };
}
