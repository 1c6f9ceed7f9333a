import { createServer, connect, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a Redis that loses the reply to a command: the first client chunk containing
 * `marker` reaches Redis, which runs it, and the connection is then cut before Redis's answer reaches the client;
 * the next such chunk (the client's resend) passes.
 * What a network blip between a command and its reply looks like to a client that resends unanswered commands.
 */
export interface CuttingProxy {
  port: number;
  /** Cut the connection after the next command containing `marker`, `times` times in all. */
  cutAfter(marker: string, times: number): void;
  /** Connections cut so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  let marker = '';
  let cutsLeft = 0;
  let cuts = 0;
  // The command resent after a cut passes, so that each cut loses one reply and the resend gets through.
  let resendDue = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    let cutOnReply = false;
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      if (marker && chunk.includes(marker)) {
        if (resendDue) resendDue = false;
        else if (cutsLeft > 0) {
          cutsLeft -= 1;
          cutOnReply = true;
          resendDue = true;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!cutOnReply) {
        client.write(chunk);
        return;
      }
      // Redis has answered, so it ran the command: the answer is dropped with the connection.
      cuts += 1;
      client.destroy();
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
  return {
    port: address.port,
    cutAfter(next, times) {
      marker = next;
      cutsLeft = times;
    },
    get cuts() {
      return cuts;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
