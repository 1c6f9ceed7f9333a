import { createMaiAgentClient, isPathSegmentId } from '../client/client';
import { countReplay, emptyReport, recordsToReplay, type ReconcileReport, type ReplayCandidate } from '../client/reconcile';
import { hasControlCharacter } from '../client/secrets';
import type { OutcomeCode } from '../core/types';
import { OUTCOME_HEADER, OUTCOMES } from '../runtime';
import { httpUrl, parseCommandArgs, parseCount, quoted } from './arguments';
import { UsageError, type Io } from './usage';

export const RECONCILE_USAGE = `Usage: maiagent-webhook reconcile --chatbot <id> [--to <url>] [--allow-http] [--dry-run] [--since <date or epoch ms>] [--max-age <hours>] [--base-url <url>] [--max-pages <n>]

Replays the replies MaiAgent did not get a 200 for (each message id once a run, from the chatbot's webhook records) to
your receiver, where you chose: by default the chatbot's current webhook URL, token included, and only the records
made for that URL (compared without the token, so records from before a token rotation are replayed with the
current one); or --to <url> for every record (then the token comes from MAIAGENT_WEBHOOK_TOKEN). Plain http is
refused unless --allow-http; redirects are never followed. --dry-run prints where and how many, and sends nothing.
Only replies whose first attempt is younger than --max-age hours (default 23: the default stores remember ids for
24) are replayed, so the receiver's dedupe still knows what it delivered. Prints the counts; exits 1 when any replay
failed. The API key comes from MAIAGENT_API_KEY (never printed); the API from --base-url, else MAIAGENT_API_BASE_URL,
else https://api.maiagent.ai/api/v1/ (plain http only on this machine, or with --allow-http). MaiAgent's records
endpoint has no filters: every run reads all it keeps, at most --max-pages pages (default 1000).`;

const DEFAULT_MAX_AGE_HOURS = 23;

interface Destination {
  /** Where the replays go (token included when it is the chatbot's webhook URL). */
  url: URL;
  headers: Record<string, string>;
  /** Whether a record was made for this destination; every record is, for an explicit --to. */
  accepts(recordUrl: string): boolean;
}

export async function reconcileCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseCommandArgs('reconcile', {
    args,
    options: {
      chatbot: { type: 'string' },
      since: { type: 'string' },
      to: { type: 'string' },
      'allow-http': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'max-age': { type: 'string' },
      'base-url': { type: 'string' },
      'max-pages': { type: 'string' },
    },
  });
  if (!values.chatbot) throw new UsageError('reconcile needs --chatbot <id>');
  const chatbot = chatbotId(values.chatbot);
  const apiKey = secretFromEnv(io, 'MAIAGENT_API_KEY');
  if (!apiKey) throw new UsageError('reconcile needs MAIAGENT_API_KEY in the environment');
  const to = values.to === undefined ? undefined : httpUrl(values.to, '--to');
  const webhookToken = to ? secretFromEnv(io, 'MAIAGENT_WEBHOOK_TOKEN') : undefined;
  const window = { since: parseSince(values.since), maxAgeMs: parseMaxAge(values['max-age']) };
  const maxPages = values['max-pages'] === undefined ? undefined : parseCount(values['max-pages'], '--max-pages', 1, 1);
  const client = createMaiAgentClient({ apiKey, baseUrl: apiBaseUrl(values['base-url'], io.env.MAIAGENT_API_BASE_URL, values['allow-http'] === true) });
  const destination = to ? explicitDestination(to, webhookToken) : await currentWebhook(client, chatbot);
  if (destination.url.protocol !== 'https:' && !values['allow-http']) {
    throw new UsageError(`refusing to replay to plain http (${printable(destination.url)}): pass --allow-http to allow it`);
  }
  const counts = emptyReport();
  const candidates = await recordsToReplay(client.webhookRecords.list(chatbot, { maxPages }), window, counts).catch((error: unknown) => {
    throw withCliAdvice(error);
  });
  const chosen = candidates.filter((candidate) => candidate.urls.some((url) => destination.accepts(url)));
  const elsewhere = candidates.filter((candidate) => !chosen.includes(candidate));
  if (values['dry-run']) {
    io.log(`dry run: would replay ${chosen.length} to ${printable(destination.url)} (${counts.answered} answered 200, ${counts.expired} too old, ${counts.future} dated ahead of this clock, ${counts.invalid} without a body)`);
  } else {
    for (const candidate of chosen) countReplay(counts, await replay(destination, candidate));
    io.log(summary(counts));
  }
  if (elsewhere.length > 0) io.log(`not replayed: ${elsewhere.length} recorded for another URL (${otherUrls(elsewhere)}); pass --to to choose where`);
  return counts.failed === 0 ? 0 : 1;
}

/** The client's rule for an id, checked here so that a mistaken one is a usage mistake. */
function chatbotId(id: string): string {
  if (!isPathSegmentId(id)) throw new UsageError("--chatbot must be a non-empty id, without '/', and not '.' or '..'");
  return id;
}

/**
 * The API's URL, from --base-url else the variable (named in any refusal), checked as --to is: an http(s) URL
 * without credentials. Plain http would carry the API key unencrypted: allowed to this machine (a stand-in for the
 * API), elsewhere only with --allow-http.
 */
function apiBaseUrl(flag: string | undefined, variable: string | undefined, allowHttp: boolean): string | undefined {
  const [text, name] = flag === undefined ? [variable, 'MAIAGENT_API_BASE_URL'] : [flag, '--base-url'];
  if (text === undefined || text === '') return undefined;
  const url = httpUrl(text, name, ': the API key comes from MAIAGENT_API_KEY');
  if (url.protocol === 'http:' && !allowHttp && !isLoopback(url)) {
    throw new UsageError(`refusing to send the API key over plain http (${name} ${printable(url)}): pass --allow-http to allow it`);
  }
  return url.href;
}

function isLoopback({ hostname }: URL): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** The client's advice names its own option (`maxPages`); the person at the command line has --max-pages. */
function withCliAdvice(error: unknown): unknown {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || !message.includes('pass maxPages')) return error;
  return new Error(message.replace('pass maxPages', 'pass --max-pages'), { cause: error });
}

/** The chatbot's webhook URL as MaiAgent has it now: the receiver someone chose, with its current token. */
async function currentWebhook(client: ReturnType<typeof createMaiAgentClient>, chatbotId: string): Promise<Destination> {
  const { webhookUrl } = await client.chatbots.get(chatbotId);
  if (typeof webhookUrl !== 'string' || !URL.canParse(webhookUrl)) throw new UsageError('the chatbot has no webhook URL to replay to: pass --to <url>');
  const url = new URL(webhookUrl);
  if (hasControlCharacter(webhookUrl)) throw new UsageError("the chatbot's webhook URL holds a control character: pass --to <url>");
  const same = withoutToken(url);
  return { url, headers: { 'content-type': 'application/json' }, accepts: (recordUrl) => URL.canParse(recordUrl) && withoutToken(new URL(recordUrl)) === same };
}

function explicitDestination(url: URL, token: string | undefined): Destination {
  return { url, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, accepts: () => true };
}

/** One POST, no redirect followed (a redirect is a failure: nobody chose where it points). */
async function replay(destination: Destination, { body }: ReplayCandidate): Promise<OutcomeCode> {
  const response = await fetch(destination.url, { method: 'POST', headers: destination.headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) }).catch(() => undefined);
  return outcomeOf(response);
}

/**
 * What the receiver answered, as its outcome code: a 200 from this package names its success in a header, a refusal
 * in its JSON body. Any other 200 counts as delivered; no answer, or one this package did not write, as a failure.
 */
async function outcomeOf(response: Response | undefined): Promise<OutcomeCode> {
  if (!response) return 'internal_error';
  const text = await response.text().catch(() => '');
  if (response.status === 200) return response.headers.get(OUTCOME_HEADER) === 'duplicate' ? 'duplicate' : 'delivered';
  try {
    const { error } = JSON.parse(text) as { error?: unknown };
    if (typeof error === 'string' && error in OUTCOMES) return error as OutcomeCode;
  } catch {
    // Not an answer of this package's.
  }
  return 'internal_error';
}

function summary(counts: ReconcileReport): string {
  return (
    `replayed ${counts.replayed}, already delivered ${counts.alreadyDelivered}, invalid ${counts.invalid}, failed ${counts.failed} ` +
    `(and ${counts.answered} answered 200 at the time, ${counts.expired} too old to replay safely, ${counts.future} dated ahead of this clock: left for a later run)`
  );
}

/** A URL as it may be printed: host and path, never the query (where MaiAgent's webhook token lives). */
function printable(url: URL): string {
  return `${url.host}${url.pathname}`;
}

function otherUrls(candidates: readonly ReplayCandidate[]): string {
  const urls = new Set(candidates.flatMap(({ urls }) => urls.filter((url) => URL.canParse(url)).map((url) => printable(new URL(url)))));
  return [...urls].join(', ');
}

/** The URL compared without its token, so a record from before a rotation still matches. */
function withoutToken(url: URL): string {
  const bare = new URL(url);
  bare.searchParams.delete('token');
  bare.hash = '';
  return bare.href;
}

/** A secret from the environment, refused (by name, never by value) when no header could carry it. */
function secretFromEnv(io: Io, name: string): string | undefined {
  const value = io.env[name];
  if (value !== undefined && hasControlCharacter(value.trim())) throw new UsageError(`${name} holds a control character (newline, carriage return, NUL...): fix the variable`);
  return value?.trim() || undefined;
}

function parseSince(value: string | undefined): number {
  if (value === undefined) return 0;
  const time = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(time)) throw new UsageError(`--since ${quoted(value)} is neither a date nor epoch milliseconds`);
  return time;
}

function parseMaxAge(value: string | undefined): number {
  const hours = value === undefined ? DEFAULT_MAX_AGE_HOURS : Number(value);
  if (!Number.isFinite(hours) || hours <= 0) throw new UsageError(`--max-age must be a positive number of hours, not ${quoted(value ?? '')}`);
  return hours * 3_600_000;
}
