// Cloudflare Workers forbid eval and new Function: the Fetch adapter, as built, must run where they throw.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testBuildDir } from '../support/build';

const run = promisify(execFile);

const script = `
const { maiagentWebhook, gptbotsWebhook } = require(process.argv[1] + '/fetch.js');
const { buildMaiAgentDelivery, buildGptBotsDelivery } = require(process.argv[1] + '/testing/index.js');
let evalBlocked = false;
try { eval('1'); } catch { evalBlocked = true; }
const post = (handler, body) => handler(new Request('https://x.test/hook?token=t', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
}));
(async () => {
  const maiagent = await post(maiagentWebhook({ authToken: 't', onMessage() {} }), buildMaiAgentDelivery());
  const gptbots = await post(gptbotsWebhook({ authToken: 't', onMessage() {} }), buildGptBotsDelivery());
  const invalid = await post(maiagentWebhook({ authToken: 't', onMessage() {} }), { id: 1 });
  console.log(JSON.stringify({ evalBlocked, statuses: [maiagent.status, gptbots.status, invalid.status] }));
})();
`;

it('answers valid and invalid deliveries in a process started with --disallow-code-generation-from-strings', async () => {
  const { stdout } = await run(process.execPath, ['--disallow-code-generation-from-strings', '-e', script, testBuildDir()]);
  expect(JSON.parse(stdout)).toEqual({ evalBlocked: true, statuses: [200, 200, 422] });
}, 30_000);

// Workers offer Node's built-in modules only behind the nodejs_compat flag: the Fetch build must need none.
const builtinsScript = `
const Module = require('node:module');
const { isBuiltin } = Module;
const { sep } = require('node:path');
const fromBuild = new Set();
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  if (isBuiltin(request) && parent && parent.filename.startsWith(process.argv[1] + sep)) fromBuild.add(request);
  return load.call(this, request, parent, ...rest);
};
const { maiagentWebhook, gptbotsWebhook } = require(process.argv[1] + '/fetch.js');
(async () => {
  for (const factory of [maiagentWebhook, gptbotsWebhook]) {
    const handler = factory({ authToken: 't', onMessage() {} });
    await handler(new Request('https://x.test/hook', { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{}' }));
  }
  console.log(JSON.stringify([...fromBuild]));
})();
`;

it('loads no Node.js built-in module, for either platform, through a delivery (Workers need no nodejs_compat)', async () => {
  const { stdout } = await run(process.execPath, ['-e', builtinsScript, testBuildDir()]);
  expect(JSON.parse(stdout)).toEqual([]);
}, 30_000);
