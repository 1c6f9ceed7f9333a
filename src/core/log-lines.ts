import type { DeliveryWarning, Logger } from './options';
import type { OutcomeCode } from './types';
import type { Reply } from './preset';

/** Which delivery a line is about: never its body, its headers or the token. */
export interface LineAbout {
  platform: Reply['platform'];
  messageId: string | undefined;
}

/** The failures that reach the log by default, at their level, and what each means to the operator. */
const FAILURES: Readonly<Partial<Record<OutcomeCode, { level: 'warn' | 'error'; means: string }>>> = Object.freeze({
  handler_failed: { level: 'error', means: 'onMessage failed; answered 500, the platform retries' },
  internal_error: { level: 'error', means: 'a failure inside maiagent-webhook; answered 500, the platform retries' },
  handler_timeout: { level: 'warn', means: 'onMessage outlived timeoutMs; answered 503, the platform retries' },
  store_unavailable: { level: 'warn', means: 'the dedupe store did not grant the claim; answered 503 without calling onMessage, the platform retries' },
  queue_unavailable: { level: 'warn', means: 'the queue did not take the delivery; answered 503, the platform retries' },
});

/** One line for an answer worth an operator's attention (a failure the platform will retry); none for the rest. */
export function logFailure(log: Logger, about: LineAbout, code: OutcomeCode, cause: unknown): void {
  const failure = FAILURES[code];
  if (!failure) return;
  const error = messageOf(cause);
  log[failure.level]({ code, ...fieldsOf(about), error }, line(code, about, `${failure.means}: ${error}`));
}

// The client may still be holding the write and send it once Redis is back (node-redis and ioredis both do), so
// these say what follows if it never lands.
const STORE_RECORD_FAILED_MEANS = Object.freeze({
  complete: 'unless the write still lands, a later copy of this id would run onMessage again',
  release: 'unless the write still lands, retries of this id are answered 409 until the claim expires (claimTtlMs)',
});

/** One line for each warning an operator should act on. */
export function logWarnings(log: Logger, about: LineAbout, warnings: readonly DeliveryWarning[]): void {
  for (const warning of warnings) {
    if (warning.code === 'store_record_failed') {
      const error = messageOf(warning.error);
      const means = `the store did not record the ${warning.step} after retries; ${STORE_RECORD_FAILED_MEANS[warning.step]}: ${error}`;
      log.warn({ ...warning, ...fieldsOf(about), error }, line(warning.code, about, means));
    } else if (warning.code === 'dedupe_evicted_early') {
      const means = `the memory store forgot ${warning.evicted} delivered ids before ttlMs to stay within maxEntries; a retry of one would run onMessage again`;
      log.warn({ ...warning, ...fieldsOf(about) }, line(warning.code, about, means));
    }
  }
}

function fieldsOf({ platform, messageId }: LineAbout): { platform: string; messageId?: string } {
  return messageId === undefined ? { platform } : { platform, messageId };
}

/** `maiagent-webhook: <code> (<platform> message <id>): <what it means>`, on one line. */
function line(code: string, { platform, messageId }: LineAbout, means: string): string {
  const which = messageId === undefined ? platform : `${platform} message ${messageId}`;
  return `maiagent-webhook: ${code} (${which}): ${means}`;
}

const LONGEST_ERROR = 500;

/** The error's message, on one line and of bounded length: never its stack, never the objects it holds. */
function messageOf(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    text = 'an error that cannot be printed';
  }
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > LONGEST_ERROR ? `${oneLine.slice(0, LONGEST_ERROR)}…` : oneLine;
}
