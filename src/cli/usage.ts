/** A mistake in how the command was called: reported in one line, exit code 2. */
export class UsageError extends Error {}

/** What a command writes to and reads from, so tests can hand it their own. */
export interface Io {
  log(line: string): void;
  error(line: string): void;
  env: NodeJS.ProcessEnv;
}
