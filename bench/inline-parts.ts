// The package's own building blocks, for bench/targets/inline.cjs: the harness bundles this file into
// bench/.cache/inline-parts.js (the build ships no per-module files).
export { createTokenCheck } from '../src/core/auth';
export { isJsonContentType } from '../src/core/body';
export { validatePayload } from '../src/core/validate';
export { DeadlineQueue } from '../src/core/deadlines';
export { CallbackContext } from '../src/core/dispatch';
export { MemoryStore } from '../src/stores/memory';
export { maiagentPreset } from '../src/presets/maiagent';
