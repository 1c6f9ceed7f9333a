// The fake MaiAgent lives with the whole-flow example, which runs against it too.
export { startFakeMaiAgent, API_KEY, type FakeMaiAgent } from '../../examples/whole-flow/fake-maiagent';
