import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { testBuildDir } from './build';

/** A receiver script from this folder, forked on the package's fresh build and listening on a loopback port. */
export interface ReceiverProcess {
  child: ChildProcess;
  port: number;
  /** The next message of `type` the process sends; rejects if it exits first. */
  next(type: string): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<void>;
}

export async function forkReceiver(script: string, args: string[], env: Record<string, string>): Promise<ReceiverProcess> {
  const child = fork(join(__dirname, script), [testBuildDir(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        resolve(message);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    });
  const { port } = await next('listening');
  return { child, port: port as number, next, exited };
}
