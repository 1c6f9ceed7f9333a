import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Upstash's REST API in front of a real redis-server: `POST /` with a JSON array (one command),
 * `Authorization: Bearer <token>`, answered `{ result }` (strings base64-encoded when the client sends
 * `Upstash-Encoding: base64`, as `@upstash/redis` does) or `{ error }` with 400.
 */
export interface UpstashStandIn {
  url: string;
  token: string;
  /** Runs the next `times` commands containing `arg`, then drops the connection instead of answering. */
  dropRepliesOf(arg: string, times: number): void;
  readonly dropped: number;
  close(): Promise<void>;
}

export async function startUpstashStandIn(sendCommand: (args: string[]) => Promise<unknown>, token = 'stand-in-token'): Promise<UpstashStandIn> {
  let drop = { arg: '', times: 0 };
  let dropped = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const answer = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (request.headers.authorization !== `Bearer ${token}`) return answer(401, { error: 'Unauthorized' });
      const args = JSON.parse(body) as unknown[];
      const encode = request.headers['upstash-encoding'] === 'base64' ? base64 : (value: unknown) => value;
      sendCommand(args.map(String)).then(
        (result) => {
          if (drop.times > 0 && args.includes(drop.arg)) {
            drop = { ...drop, times: drop.times - 1 };
            dropped += 1;
            request.socket.destroy();
            return;
          }
          answer(200, { result: encode(result) });
        },
        (error: Error) => answer(400, { error: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    dropRepliesOf: (arg, times) => void (drop = { arg, times }),
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function base64(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(base64);
  return value;
}
