import { readFile } from 'node:fs/promises';
import { reasonOf } from '../client/errors';
import { hasControlCharacter, withoutSecrets } from '../client/secrets';
import { OUTCOME_HEADER } from '../runtime';
import { httpUrl, parseCommandArgs, parseCount, parseProvider, parseSeconds, PROVIDERS, quoted, type Provider } from './arguments';
import { UsageError, type Io } from './usage';

export const SEND_USAGE = `Usage: maiagent-webhook send <url> [--token T] [--provider maiagent|gptbots] [--file body.json] [--count N] [--concurrency C] [--timeout S]

Posts a valid sample delivery (or the JSON in --file) to <url>, with the token as 'Authorization: Bearer'
(from --token, else MAIAGENT_WEBHOOK_TOKEN / GPTBOTS_WEBHOOK_TOKEN; none if unset). The provider is gptbots for a
URL whose path has /gptbots/, else maiagent, unless --provider says otherwise. Prints the status and body (the
token, wherever the answer repeats it, written [redacted]), or for --count above 1 a summary: how many were
delivered, duplicates, and refused (by status and code). Each request, its answer's body included, gets --timeout
seconds (default 30), then counts as 'no answer within S s'. Exits 1 when any answer was not 200.`;

const DEFAULT_TIMEOUT_SECONDS = 30;

export async function sendCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs('send', {
    args,
    allowPositionals: true,
    options: { token: { type: 'string' }, provider: { type: 'string' }, file: { type: 'string' }, count: { type: 'string' }, concurrency: { type: 'string' }, timeout: { type: 'string' } },
  });
  const [url, ...extra] = positionals;
  if (!url || extra.length > 0) throw new UsageError('send takes exactly one <url>');
  const provider = parseProvider(values.provider, httpUrl(url).pathname.includes('/gptbots/') ? 'gptbots' : 'maiagent');
  const summary = await sendDeliveries(
    {
      url,
      provider,
      token: sendToken(values.token, io, provider),
      body: values.file === undefined ? undefined : await readBody(values.file),
      count: parseCount(values.count, '--count', 1, 1),
      concurrency: parseCount(values.concurrency, '--concurrency', 1, 1),
      timeoutMs: parseSeconds(values.timeout, '--timeout', DEFAULT_TIMEOUT_SECONDS),
    },
    io.log,
  );
  return summary.allOk ? 0 : 1;
}

/**
 * The token `send` puts in its Authorization header, refused (by where it came from, never by its value) when it
 * holds a control character: no header can carry one, and the HTTP client's error would quote the whole header.
 */
function sendToken(given: string | undefined, io: Io, provider: Provider): string | undefined {
  const source = given === undefined ? PROVIDERS[provider].tokenEnv : '--token';
  const token = given ?? io.env[PROVIDERS[provider].tokenEnv];
  if (token !== undefined && hasControlCharacter(token)) throw new UsageError(`the token from ${source} holds a control character (newline, carriage return, NUL...)`);
  return token;
}

async function readBody(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new UsageError(`cannot read --file ${quoted(file)}`);
  });
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(`--file ${quoted(file)} is not valid JSON`);
  }
  return text;
}

export interface SendOptions {
  url: string;
  provider: Provider;
  token?: string | undefined;
  /** A body to send as it is (each copy identical); a fresh sample delivery per request when omitted. */
  body?: string | undefined;
  count: number;
  concurrency: number;
  /** How long each request may take, its answer's body included. Default 30000. */
  timeoutMs?: number | undefined;
}

export interface SendSummary {
  /** How many answers had each status; 0 stands for no answer (connection failed). */
  statuses: Map<number, number>;
  /** How many answers of each kind: `delivered`, `duplicate`... for a 200, `<status> <code>` for a refusal. */
  answers: Map<string, number>;
  allOk: boolean;
}

/** Posts deliveries like the platform would, once each (no retries), and counts the answers. */
export async function sendDeliveries(options: SendOptions, log: (line: string) => void): Promise<SendSummary> {
  const statuses = new Map<number, number>();
  const answers = new Map<string, number>();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
  const secrets = secretsOf(options);
  let next = 0;
  const sendOne = async (): Promise<void> => {
    const body = options.body ?? JSON.stringify(PROVIDERS[options.provider].sample());
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const answer = await post(options.url, { headers, body, timeoutMs, secrets });
    statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    answers.set(answer.kind, (answers.get(answer.kind) ?? 0) + 1);
    if (options.count === 1) log(`${answer.status || 'no answer'} ${answer.text}`);
  };
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      next += 1;
      await sendOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  if (options.count > 1) log(`sent ${options.count}: ${summaryOf(answers)}`);
  return { statuses, answers, allOk: statuses.size === 1 && statuses.has(200) };
}

interface Answer {
  status: number;
  text: string;
  /** What kind of answer: a 200's outcome (from the outcome header), or the status and code of a refusal. */
  kind: string;
}

/**
 * The secrets `send` was given, which a receiver may repeat in its answer (an echo server, a debug page): the
 * token, and the URL's `?token=` value and password, as typed and decoded. Longest first, so that a secret holding
 * another is redacted whole.
 */
function secretsOf({ url, token }: SendOptions): string[] {
  const parsed = new URL(url);
  const typedTokens = [...parsed.search.matchAll(/[?&]token=([^&#]*)/gi)].map((match) => match[1] ?? '');
  const candidates = [token ?? '', ...typedTokens, ...parsed.searchParams.getAll('token'), parsed.password, decodedOrSame(parsed.password)].filter((secret) => secret !== '');
  // As a receiver may echo them back: in a URL, or inside a JSON string.
  const encoded = candidates.flatMap((secret) => [encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  return [...new Set([...candidates, ...encoded])].sort((a, b) => b.length - a.length);
}

function decodedOrSame(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One POST, bounded as reconcile's replays are: `timeoutMs` covers the headers and the whole body. */
async function post(url: string, { headers, body, timeoutMs, secrets }: { headers: Record<string, string>; body: string; timeoutMs: number; secrets: readonly string[] }): Promise<Answer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    // A redirect is an answer, as the platform takes it (not a 200: it retries), and followed it would send the body elsewhere.
    const response = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    const text = withoutSecrets(await response.text(), secrets);
    if (response.status === 200) return { status: 200, text, kind: response.headers.get(OUTCOME_HEADER) ?? 'accepted' };
    return { status: response.status, text, kind: `${response.status} ${errorCodeOf(text)}`.trim() };
  } catch (error) {
    if (signal.aborted) return { status: 0, text: `within ${timeoutMs / 1000} s`, kind: 'no answer' };
    // In words that cannot quote the URL (undici's messages can, password included).
    return { status: 0, text: reasonOf(error), kind: 'no answer' };
  }
}

function errorCodeOf(text: string): string {
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    return typeof error === 'string' ? error : '';
  } catch {
    return '';
  }
}

/** `3 delivered, 1 duplicate, 2 refused (401 unauthorized ×1, no answer ×1)`: the 200s by outcome, then the rest. */
function summaryOf(answers: Map<string, number>): string {
  const sorted = [...answers].sort(([a], [b]) => a.localeCompare(b));
  const accepted = sorted.filter(([kind]) => !isRefusal(kind)).map(([kind, n]) => `${n} ${kind}`);
  const refused = sorted.filter(([kind]) => isRefusal(kind));
  const refusedCount = refused.reduce((sum, [, n]) => sum + n, 0);
  if (refusedCount > 0) accepted.push(`${refusedCount} refused (${refused.map(([kind, n]) => `${kind} ×${n}`).join(', ')})`);
  return accepted.join(', ');
}

function isRefusal(kind: string): boolean {
  return kind === 'no answer' || /^\d/.test(kind);
}
