import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { build } from 'esbuild';

const root = join(__dirname, '..', '..');

/** A TypeScript example running in a process of its own, its exported Express `app` listening on a free port. */
export interface ExampleProcess {
  url: string;
  output(): string;
  /** Whether the process is still running (a client's unhandled 'error' event would have ended it). */
  running(): boolean;
  stop(): Promise<void>;
}

/** The process's main file by default: the example's exported app, listening on a free port that it prints. */
const LISTEN_ON_ITS_APP = "const { app } = require('./example.cjs');\nconst server = app.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));\n";

/**
 * Runs examples/NAME.ts as a user would (a Node process of its own, the package as built in dist/, the installed
 * clients),
 * so what a client prints or throws on its own (a stack per reconnect, an unhandled 'error' event) is seen as the
 * user sees it: jest's sandbox hides some of it (ioredis prints only an `instanceof Error` of its own realm).
 * `main`: the process's own code instead (it requires './example.cjs' and prints `listening on <port>` once up).
 */
export async function startExampleProcess(name: string, env: Record<string, string>, main = LISTEN_ON_ITS_APP): Promise<ExampleProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'maiagent-webhook-example-'));
  // The package resolves by its name, as installed; everything else from the repository's node_modules.
  mkdirSync(join(dir, 'modules'));
  symlinkSync(root, join(dir, 'modules', 'maiagent-webhook'));
  await build({ entryPoints: [join(root, 'examples', `${name}.ts`)], outfile: join(dir, 'example.cjs'), bundle: true, packages: 'external', platform: 'node', format: 'cjs', logLevel: 'silent' });
  writeFileSync(join(dir, 'main.cjs'), main);
  const child: ChildProcess = spawn(process.execPath, [join(dir, 'main.cjs')], {
    env: { ...process.env, ...env, NODE_PATH: [join(dir, 'modules'), join(root, 'node_modules')].join(delimiter) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      rmSync(dir, { recursive: true, force: true });
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  for (let i = 0; i < 400 && !/listening on \d+/.test(output) && child.exitCode === null; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  const port = /listening on (\d+)/.exec(output)?.[1];
  if (!port) {
    await stop();
    throw new Error(`examples/${name}.ts did not start:\n${output}`);
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, running: () => child.exitCode === null && child.signalCode === null, stop };
}
