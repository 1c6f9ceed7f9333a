// The values every entry point exports besides its factories. Declared from their own modules, so an entry's types
// reach only the core's (the Fetch entry's need neither Node's nor a framework's); at run time the build makes this
// file re-export them from the one bundle (dist/runtime.js), so every entry shares one copy of each.
export { OUTCOMES, OUTCOME_HEADER } from './core/outcomes';
export { DEFAULT_LIMIT, DEFAULT_TIMEOUT_MS } from './core/options';
export { MemoryStore } from './stores/memory';
export { StoreDownError, StoreTimeoutError } from './core/store-calls';
