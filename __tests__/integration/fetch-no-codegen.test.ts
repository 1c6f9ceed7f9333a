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
