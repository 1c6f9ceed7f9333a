#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import { maiagentWebhook, type MaiAgentMessage, type Rejection } from './index';
import { buildMaiAgentDelivery } from './testing';

export interface ReceiverOptions {
  port: number;
  /** Interface to bind; all of them when omitted, as `app.listen` does. */
  host?: string | undefined;
  path: string;
  /** The token to require; one is generated (and printed) when omitted. */
  token?: string | undefined;
  /** Where the receiver reports; `console.log` by default. */
  log?: (line: string) => void;
}

export interface RunningReceiver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A development receiver: an Express app with the middleware that prints each delivery and each refusal. */
export async function startReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const log = options.log ?? console.log;
  const token = options.token ?? randomBytes(24).toString('base64url');
  const app = express();
  app.post(
    options.path,
    maiagentWebhook({
      authToken: token,
      onMessage: (message) => log(describeDelivery(message)),
      onRejected: (rejection) => log(describeRejection(rejection)),
    }),
  );
  const server = await listen(app, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? 'localhost'}:${port}${options.path}`;
  log(`maiagent-webhook receiver listening on ${url}`);
  log(options.token === undefined ? `token (generated for this run): ${token}` : 'token: as given (not printed)');
  log(`try it:\n  ${curlLine(url, options.token === undefined ? token : undefined)}`);
  return { url, server, close: () => close(server) };
}

function listen(app: express.Express, port: number, host: string | undefined): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Express 5 hands a listen error to the callback; Express 4 emits it on the server.
    const done = (error?: Error): void => (error ? reject(error) : resolve(server));
    const server: Server = host === undefined ? app.listen(port, done) : app.listen(port, host, done);
    server.once('error', reject);
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** A token passed in by the user is never printed: the line refers to the environment variable instead. */
export function curlLine(url: string, printableToken: string | undefined): string {
  const token = printableToken ?? '$MAIAGENT_WEBHOOK_TOKEN';
  const body = JSON.stringify(buildMaiAgentDelivery({ content: 'Hello from curl' }));
  return `curl -i -X POST "${url}?token=${token}" -H 'Content-Type: application/json' -d '${body}'`;
}

function describeDelivery(message: MaiAgentMessage): string {
  const sender = message.sender ? `${message.sender.name ?? '?'} (${String(message.sender.id ?? '?')})` : 'unknown sender';
  const lines = [
    `200 delivered ${message.id}`,
    `  conversation ${message.conversation}, from ${sender}, at ${new Date(Number(message.created_at)).toISOString()}`,
    `  ${message.content}`,
    ...message.citations.map((c) => `  [cited] ${c.filename ?? c.id ?? '?'}`),
  ];
  return lines.join('\n');
}

function describeRejection(rejection: Rejection): string {
  const where = rejection.problems?.map((p) => `${p.path} ${p.message}`).join('; ');
  return `${rejection.status} ${rejection.code}: ${rejection.message}${where ? ` (${where})` : ''}`;
}

const USAGE = `Usage: maiagent-webhook listen [--port 3000] [--path /maiagent/webhook] [--token T]

Runs a local receiver that prints each MaiAgent delivery and the status it answered.
The token comes from --token, else MAIAGENT_WEBHOOK_TOKEN, else is generated and printed.`;

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<RunningReceiver | undefined> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      port: { type: 'string', default: env.PORT ?? '3000' },
      path: { type: 'string', default: '/maiagent/webhook' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals[0] !== 'listen') {
    console.log(USAGE);
    return undefined;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not '${values.port}'`);
  return startReceiver({ port, path: values.path, token: values.token ?? env.MAIAGENT_WEBHOOK_TOKEN });
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`maiagent-webhook: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
