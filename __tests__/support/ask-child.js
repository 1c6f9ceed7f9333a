// client.ask in every order of events, on the package's fresh build, in a process of its own started with
// --unhandled-rejections=strict: a rejection nobody handles ends it with a non-zero code before it prints.
//   node --unhandled-rejections=strict ask-child.js <buildDir>
// Prints one JSON line: for each case, how ask ended ({ name, message, status }) or what it resolved with.
'use strict';
const [buildDir] = process.argv.slice(2);
const { createMaiAgentClient, ReplyHub } = require(`${buildDir}/client.js`);
const { startFakeMaiAgent, FAKE_MAIAGENT_API_KEY: API_KEY } = require(`${buildDir}/testing/index.js`);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const ended = (promise) =>
  promise.then(
    (value) => ({ resolved: value.reply.text }),
    (error) => ({ name: error?.name, message: String(error?.message), status: error?.status }),
  );

const cases = {
  // messages.create takes 1.5 s; the wait ends after 0.5 s, while the send is still under way.
  'the wait ends first': async (api, client) => {
    api.beforeMessageAnswer = () => sleep(1500);
    return ended(client.ask({ conversation: 'c1', content: 'slow' }, { replies: new ReplyHub(), timeoutMs: 500 }));
  },
  'the send fails first': async (api, client) => {
    api.failNext.set('messages/', [500]);
    return ended(client.ask({ conversation: 'c2', content: 'x' }, { replies: new ReplyHub(), timeoutMs: 500 }));
  },
  'the signal aborts during the send': async (api, client) => {
    api.hang.add('messages/');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('the user left')), 100);
    return ended(client.ask({ conversation: 'c3', content: 'x' }, { replies: new ReplyHub(), timeoutMs: 5000, signal: controller.signal }));
  },
  // The send never answers: the wait times out, and the send, aborted with it, fails too.
  'both fail': async (api, client) => {
    api.hang.add('messages/');
    return ended(client.ask({ conversation: 'c4', content: 'x' }, { replies: new ReplyHub(), timeoutMs: 300 }));
  },
  // A hub whose ready() fails (Redis down) fails ask through its own promise.
  'the hub cannot listen': async (api, client) => {
    const hub = { ready: () => Promise.reject(new Error('redis is down')), next: () => new Promise(() => {}) };
    return ended(client.ask({ conversation: 'c5', content: 'x' }, { replies: hub, timeoutMs: 300 }));
  },
};

async function main() {
  const results = {};
  for (const [name, run] of Object.entries(cases)) {
    const api = await startFakeMaiAgent();
    const client = createMaiAgentClient({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 5000 });
    results[name] = await run(api, client);
    // Whatever is still in flight settles (the slow receipt answers, a hung request is cut) before the next case.
    await sleep(1600);
    api.hang.clear();
    await api.close();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}
main();
