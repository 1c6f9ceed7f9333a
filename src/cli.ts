#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createServer, type Server } from 'node:http';
import { gptbotsWebhook, maiagentWebhook, type DeliveryContext, type Rejection } from './node';
import { loadPreset } from './runtime';
import { buildGptBotsDelivery, buildMaiAgentDelivery } from './testing';
import { deadLettersCommand, DEAD_LETTERS_USAGE } from './cli/dead-letters';
import { reconcileCommand, RECONCILE_USAGE } from './cli/reconcile';
import { UsageError, type Io } from './cli/usage';
import { hasControlCharacter } from './client/secrets';
import { reasonOf } from './client/errors';

type Provider = 'maiagent' | 'gptbots';

const PROVIDERS: Readonly<Record<Provider, { path: string; tokenEnv: string; sample: () => unknown }>> = {
  maiagent: { path: '/maiagent/webhook', tokenEnv: loadPreset('maiagent').tokenEnv, sample: () => buildMaiAgentDelivery({ content: 'Hello from maiagent-webhook' }) },
  gptbots: { path: '/gptbots/webhook', tokenEnv: loadPreset('gptbots').tokenEnv, sample: () => buildGptBotsDelivery() },
};

/** Where the CLI writes; tests pass their own. */
export type { Io } from './cli/usage';

export interface ReceiverOptions {
  port: number;
  /** Interface to bind; all of them when omitted, as `app.listen` does. */
  host?: string | undefined;
  path?: string | undefined;
  provider?: Provider | undefined;
  /** The token to require; one is generated (and printed) when omitted. */
  token?: string | undefined;
  /**
   * Where a given token came from, which decides how the printed lines refer to it: from the environment (the
   * default), by its variable, so it is never printed; from the command line (`--token`), as typed, since the user
   * just typed it there. Either way the printed lines work as they are.
   */
  tokenFrom?: 'environment' | 'command line' | undefined;
  /** Where the receiver reports; `console.log` by default. */
  log?: (line: string) => void;
}

export interface RunningReceiver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * A development receiver: a node:http server (no Express needed) with the webhook that prints each delivery and
 * each refusal; any other path gets 404.
 */
export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const log = options.log ?? console.log;
  const provider = options.provider ?? 'maiagent';
  const path = options.path ?? PROVIDERS[provider].path;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const factory = provider === 'gptbots' ? gptbotsWebhook : maiagentWebhook;
  const webhook = factory({
    authToken: token,
    onMessage: (message: unknown, context: DeliveryContext) => log(describeDelivery(message, context)),
    onRejected: (rejection) => log(describeRejection(rejection)),
  });
  const server = await listen(
    createServer((req, res) => (new URL(req.url ?? '/', 'http://receiver').pathname === path ? webhook(req, res) : res.writeHead(404).end())),
    options.port,
    options.host,
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? 'localhost'}:${port}${path}`;
  const printable = options.token === undefined || options.tokenFrom === 'command line' ? token : undefined;
  log(`maiagent-webhook receiver (${provider}) listening on ${url}`);
  log(options.token === undefined ? `token (generated for this run): ${token}` : printable === undefined ? 'token: from the environment (not printed)' : 'token: as given on the command line');
  log(`try it:\n  ${curlLine(url, printable, provider)}`);
  log(`or:\n  npx maiagent-webhook send ${url} --provider ${provider}${printable === undefined ? '' : ` --token ${shellQuoted(printable)}`}`);
  return { url, server, close: () => close(server) };
}

function listen(server: Server, port: number, host: string | undefined): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** A word the shell passes on as it is, whatever it holds. */
function shellQuoted(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** A token that is not printable (it came from the environment) is referred to by its variable. */
export function curlLine(url: string, printableToken: string | undefined, provider: Provider = 'maiagent'): string {
  const token = printableToken === undefined ? `$${PROVIDERS[provider].tokenEnv}` : encodeURIComponent(printableToken);
  const body = JSON.stringify(PROVIDERS[provider].sample());
  return `curl -i -X POST "${url}?token=${token}" -H 'Content-Type: application/json' -d '${body}'`;
}

function describeDelivery(message: unknown, { reply }: DeliveryContext): string {
  const lines = [`200 delivered ${reply.id}`, `  conversation ${reply.conversationId}, at ${reply.createdAt.toISOString()}${senderOf(message)}`, `  ${reply.text}`];
  for (const cited of citationsOf(message)) lines.push(`  [cited] ${cited}`);
  return lines.join('\n');
}

function senderOf(message: unknown): string {
  const sender = (message as { sender?: { name?: unknown; id?: unknown } | null }).sender;
  return sender ? `, from ${String(sender.name ?? '?')} (${String(sender.id ?? '?')})` : '';
}

function citationsOf(message: unknown): string[] {
  const citations = (message as { citations?: { filename?: unknown; id?: unknown }[] }).citations;
  return Array.isArray(citations) ? citations.map((c) => String(c.filename ?? c.id ?? '?')) : [];
}

function describeRejection(rejection: Rejection): string {
  const where = rejection.problems?.map((p) => `${p.path} ${p.message}`).join('; ');
  return `${rejection.status} ${rejection.code}: ${rejection.message}${where ? ` (${where})` : ''}`;
}

export interface SendOptions {
  url: string;
  provider: Provider;
  token?: string | undefined;
  /** A body to send as it is (each copy identical); a fresh sample delivery per request when omitted. */
  body?: string | undefined;
  count: number;
  concurrency: number;
}

export interface SendSummary {
  /** How many answers had each status; 0 stands for no answer (connection failed). */
  statuses: Map<number, number>;
  allOk: boolean;
}

/** Posts deliveries like the platform would, once each (no retries), and counts the answers. */
export async function sendDeliveries(options: SendOptions, log: (line: string) => void): Promise<SendSummary> {
  const statuses = new Map<number, number>();
  let next = 0;
  const sendOne = async (): Promise<void> => {
    const body = options.body ?? JSON.stringify(PROVIDERS[options.provider].sample());
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let status = 0;
    let text: string;
    try {
      const response = await fetch(options.url, { method: 'POST', headers, body });
      status = response.status;
      text = await response.text();
    } catch (error) {
      // In words that cannot quote the URL (undici's messages can, password included).
      text = reasonOf(error);
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (options.count === 1) log(`${status || 'no answer'} ${text}`);
  };
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      next += 1;
      await sendOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, worker));
  if (options.count > 1) {
    const parts = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status || 'no answer'} ×${n}`);
    log(`sent ${options.count}: ${parts.join(', ')}`);
  }
  return { statuses, allOk: statuses.size === 1 && statuses.has(200) };
}

const USAGE = {
  main: `Usage: maiagent-webhook <command> [options]

Commands:
  listen         run a local receiver that prints each delivery and the status it answered
  send           post sample (or given) deliveries to a webhook URL and print the answers
  dead-letters   list, retry or drop the replies a BullMQ queue gave up on (needs bullmq)
  reconcile      replay the deliveries MaiAgent gave up on, from its webhook records, to your receiver

Run 'maiagent-webhook <command> --help' for a command's options.`,
  listen: `Usage: maiagent-webhook listen [--port 3000] [--path /maiagent/webhook] [--token T] [--provider maiagent|gptbots]

Runs a local receiver that prints each delivery (sender, conversation, content, citations) and each refusal.
The token comes from --token, else MAIAGENT_WEBHOOK_TOKEN (GPTBOTS_WEBHOOK_TOKEN for gptbots), else is generated
and printed. The port comes from --port, else PORT, else 3000.`,
  send: `Usage: maiagent-webhook send <url> [--token T] [--provider maiagent|gptbots] [--file body.json] [--count N] [--concurrency C]

Posts a valid sample delivery (or the JSON in --file) to <url>, with the token as 'Authorization: Bearer'
(from --token, else MAIAGENT_WEBHOOK_TOKEN / GPTBOTS_WEBHOOK_TOKEN; none if unset). Prints the status and body,
or a summary of statuses for --count above 1. Exits 1 when any answer was not 200.`,
  'dead-letters': DEAD_LETTERS_USAGE,
  reconcile: RECONCILE_USAGE,
};


function parseProvider(value: string | undefined): Provider {
  if (value === undefined || value === 'maiagent' || value === 'gptbots') return value ?? 'maiagent';
  throw new UsageError(`--provider must be maiagent or gptbots, not '${value}'`);
}

function parseCount(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number of at least ${min}, not '${value}'`);
  return n;
}

async function listenCommand(args: string[], io: Io): Promise<RunningReceiver | number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, path: { type: 'string' }, token: { type: 'string' }, provider: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) return help(io, 'listen');
  const provider = parseProvider(values.provider);
  const port = parseCount(values.port ?? io.env.PORT, '--port', 3000, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, not '${port}'`);
  const tokenFrom = values.token === undefined ? 'environment' : 'command line';
  return startReceiver({ port, provider, path: values.path, token: values.token ?? io.env[PROVIDERS[provider].tokenEnv], tokenFrom, log: io.log });
}

async function sendCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      token: { type: 'string' },
      provider: { type: 'string' },
      file: { type: 'string' },
      count: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return help(io, 'send');
  const [url, ...extra] = positionals;
  if (!url || extra.length > 0) throw new UsageError('send takes exactly one <url>');
  // Never echoed: the URL may hold the token (or a password) a user pasted.
  if (!URL.canParse(url)) throw new UsageError('<url> is not a URL');
  const provider = parseProvider(values.provider);
  const body = values.file === undefined ? undefined : await readBody(values.file);
  const summary = await sendDeliveries(
    {
      url,
      provider,
      token: sendToken(values.token, io, provider),
      body,
      count: parseCount(values.count, '--count', 1, 1),
      concurrency: parseCount(values.concurrency, '--concurrency', 1, 1),
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
    throw new UsageError(`cannot read --file '${file}'`);
  });
  try {
    JSON.parse(text);
  } catch {
    throw new UsageError(`--file '${file}' is not valid JSON`);
  }
  return text;
}

function help(io: Io, topic: keyof typeof USAGE): number {
  io.log(USAGE[topic]);
  return 0;
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Runs one command. Resolves with the exit code, or with the running receiver for `listen`. */
export async function run(argv: readonly string[], io: Io): Promise<number | RunningReceiver> {
  const [command, ...rest] = argv;
  try {
    if (command === 'listen') return await listenCommand(rest, io);
    if (command === 'send') return await sendCommand(rest, io);
    if (command === 'dead-letters') {
      if (rest.includes('--help') || rest.includes('-h') || rest.length === 0) return help(io, 'dead-letters');
      return await deadLettersCommand(rest, io);
    }
    if (command === 'reconcile') {
      if (rest.includes('--help') || rest.includes('-h')) return help(io, 'reconcile');
      return await reconcileCommand(rest, io);
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') return help(io, 'main');
    throw new UsageError(`unknown command '${command}' (try --help)`);
  } catch (error) {
    // One clear line, never a stack: usage mistakes, parseArgs' own messages, a port in use.
    io.error(`maiagent-webhook: ${messageOf(error)}`);
    return error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

if (require.main === module) {
  const io: Io = { log: (line) => console.log(line), error: (line) => console.error(line), env: process.env };
  void run(process.argv.slice(2), io).then((result) => {
    if (typeof result === 'number') process.exitCode = result;
  });
}
