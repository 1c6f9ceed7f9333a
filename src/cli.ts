#!/usr/bin/env node
// The `maiagent-webhook` command: one file per command under cli/, and this dispatcher.
import { deadLettersCommand, DEAD_LETTERS_USAGE } from './cli/dead-letters';
import { listenCommand, LISTEN_USAGE, type RunningReceiver } from './cli/listen';
import { reconcileCommand, RECONCILE_USAGE } from './cli/reconcile';
import { sendCommand, SEND_USAGE } from './cli/send';
import { UsageError, type Io } from './cli/usage';
import { VERSION } from './version';

export { startReceiver, curlLine, type ReceiverOptions, type RunningReceiver } from './cli/listen';
export { sendDeliveries, type SendOptions, type SendSummary } from './cli/send';
/** Where the CLI writes; tests pass their own. */
export type { Io } from './cli/usage';

const USAGE = `Usage: maiagent-webhook <command> [options]

Commands:
  listen         run a local receiver that prints each delivery and the status it answered
  send           post sample (or given) deliveries to a webhook URL and print the answers
  dead-letters   list, retry or drop the replies a BullMQ queue gave up on (needs bullmq and ioredis)
  reconcile      replay the deliveries MaiAgent gave up on, from its webhook records, to your receiver

Run 'maiagent-webhook <command> --help' for a command's options; --version prints the version.`;

interface Command {
  usage: string;
  run(args: string[], io: Io): Promise<number | RunningReceiver>;
  /** Whether the command is incomplete without arguments: then, like a bare `maiagent-webhook`, a usage mistake. */
  usageWhenBare?: boolean;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  listen: { usage: LISTEN_USAGE, run: listenCommand },
  send: { usage: SEND_USAGE, run: sendCommand },
  'dead-letters': { usage: DEAD_LETTERS_USAGE, run: deadLettersCommand, usageWhenBare: true },
  reconcile: { usage: RECONCILE_USAGE, run: reconcileCommand },
};

const HELP = new Set(['--help', '-h']);
const VERSION_FLAGS = new Set(['--version', '-v', 'version']);

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Runs one command. Resolves with the exit code, or with the running receiver for `listen`. */
export async function run(argv: readonly string[], io: Io): Promise<number | RunningReceiver> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.error(USAGE);
    return 2;
  }
  if (HELP.has(name) || name === 'help') return usage(io, USAGE);
  if (VERSION_FLAGS.has(name)) return usage(io, VERSION);
  try {
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) throw new UsageError(`unknown command '${name}' (try --help)`);
    if (rest.some((arg) => HELP.has(arg))) return usage(io, command.usage);
    if (command.usageWhenBare && rest.length === 0) {
      io.error(command.usage);
      return 2;
    }
    return await command.run(rest, io);
  } catch (error) {
    // One clear line, never a stack: usage mistakes, parseArgs' own messages, a port in use.
    io.error(`maiagent-webhook: ${messageOf(error)}`);
    return error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

function usage(io: Io, text: string): number {
  io.log(text);
  return 0;
}

/**
 * Writes lines to the stream until it fails: a reader that went away (`listen | head -1`, EPIPE) ends the printing,
 * not the command, so a receiver keeps answering and no stack is printed. There is nowhere left to report it.
 */
function linesTo(stream: NodeJS.WriteStream): (line: string) => void {
  let open = true;
  stream.on('error', () => {
    open = false;
  });
  return (line) => {
    if (open) stream.write(`${line}\n`);
  };
}

if (require.main === module) {
  const io: Io = { log: linesTo(process.stdout), error: linesTo(process.stderr), env: process.env };
  void run(process.argv.slice(2), io).then((result) => {
    if (typeof result === 'number') process.exitCode = result;
  });
}
