// The fake MaiAgent is exported from maiagent-webhook/testing (src/testing/fake-maiagent.ts); the whole-flow example
// runs against it too.
export { startFakeMaiAgent, API_KEY, type FakeMaiAgent } from '../../src/testing/fake-maiagent';
