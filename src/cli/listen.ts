import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { gptbotsWebhook, maiagentWebhook, type DeliveryContext, type DeliveryWarning, type Rejection } from '../node';
import { parseCommandArgs, parseCount, parseProvider, PROVIDERS, quoted, type Provider } from './arguments';
import { UsageError, type Io } from './usage';

export const LISTEN_USAGE = `Usage: maiagent-webhook listen [--port 3000] [--path /maiagent/webhook] [--token T] [--provider maiagent|gptbots]

Runs a local receiver that prints each delivery (sender, conversation, content, citations), each retry of one
already delivered (duplicate), and each refusal.
The token comes from --token, else MAIAGENT_WEBHOOK_TOKEN (GPTBOTS_WEBHOOK_TOKEN for gptbots), else is generated
and printed. The port comes from --port, else PORT, else 3000.`;

export async function listenCommand(args: string[], io: Io): Promise<RunningReceiver> {
  const { values } = parseCommandArgs('listen', { args, options: { port: { type: 'string' }, path: { type: 'string' }, token: { type: 'string' }, provider: { type: 'string' } } });
  const provider = parseProvider(values.provider);
  // A mistaken port is named where it came from: the variable may be set far from this command line.
  const portFrom = values.port === undefined ? 'PORT' : '--port';
  const port = parseCount(values.port ?? io.env.PORT, portFrom, 3000, 0);
  if (port > 65535) throw new UsageError(`${portFrom} must be at most 65535, not '${port}'`);
  const tokenFrom = values.token === undefined ? 'environment' : 'command line';
  const token = nonEmptyToken(values.token, io.env, PROVIDERS[provider].tokenEnv);
  return startReceiver({ port, provider, path: parsePath(values.path), token, tokenFrom, log: io.log });
}

/** The token from --token, else the variable; an empty one is a mistake (often an unfilled .env line), not a cue to generate one. */
function nonEmptyToken(flag: string | undefined, env: Io['env'], variable: string): string | undefined {
  if (flag === '') throw new UsageError('--token is empty: give a token, or leave --token out to have one generated');
  if (flag === undefined && env[variable] === '') throw new UsageError(`${variable} is set but empty: set it to a token, or unset it to have one generated`);
  return flag ?? env[variable];
}

/** A request's path starts with '/' and holds no query: any other --path would answer every delivery 404. */
function parsePath(path: string | undefined): string | undefined {
  if (path === undefined || /^\/[^?#]*$/.test(path)) return path;
  const hint = /^[^/?#]+$/.test(path) ? ` (did you mean /${path}?)` : '';
  throw new UsageError(`--path must start with '/' and hold no '?' or '#', not ${quoted(path)}${hint}`);
}

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
    // A retry of a delivered reply runs no callback; it is still a delivery the platform made, so it is printed.
    onOutcome: (outcome) => {
      if (outcome.code === 'duplicate') log(`200 duplicate ${outcome.messageId ?? '?'} (delivered before; onMessage not called again)`);
      outcome.warnings.forEach((warning) => log(describeWarning(warning)));
    },
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
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use (another receiver, or your app?): stop it, or pass --port <another>`) : error),
    );
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

/** What went wrong without changing the answer; a replaced timestamp, so the time printed is not taken for the body's. */
function describeWarning(warning: DeliveryWarning): string {
  if (warning.code === 'timestamp_replaced') return `  warning timestamp_replaced (${warning.field}): the time printed is the time received`;
  return `  warning ${warning.code}`;
}

function describeRejection(rejection: Rejection): string {
  const where = rejection.problems?.map((p) => `${p.path} ${p.message}`).join('; ');
  return `${rejection.status} ${rejection.code}: ${rejection.message}${where ? ` (${where})` : ''}`;
}
