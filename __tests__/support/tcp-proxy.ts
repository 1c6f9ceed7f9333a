import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode =
  /** Forwards at once. */
  | { kind: 'pass' }
  /** Holds every chunk, both ways, this long before forwarding it. */
  | { kind: 'slow'; delayMs: number }
  /** Forwards nothing, in either direction, until the mode changes; what arrived meanwhile is then sent on. */
  | { kind: 'silent' };

/**
 * A TCP proxy on 127.0.0.1 in front of a server, to make it slow or silent without touching it: what a congested
 * network or a stalled Redis looks like to a client.
 */
export interface TcpProxy {
  port: number;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let mode: ProxyMode = { kind: 'pass' };
  const sockets = new Set<Socket>();
  const pumps = new Set<() => void>();
  // Each direction is one queue in arrival order, whatever the mode was when a chunk came: a chunk forwarded
  // ahead of one still held would corrupt the stream.
  const forward = (from: Socket, to: Socket) => {
    const queue: { chunk: Buffer; at: number }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      clearTimeout(timer);
      timer = undefined;
      for (let head = queue[0]; head; head = queue[0]) {
        if (mode.kind === 'silent') return;
        const wait = head.at - Date.now();
        if (wait > 0) {
          timer = setTimeout(pump, wait);
          return;
        }
        queue.shift();
        if (!to.destroyed) to.write(head.chunk);
      }
    };
    pumps.add(pump);
    from.on('close', () => {
      clearTimeout(timer);
      pumps.delete(pump);
    });
    from.on('data', (chunk: Buffer) => {
      queue.push({ chunk, at: Date.now() + (mode.kind === 'slow' ? mode.delayMs : 0) });
      if (!timer) pump();
    });
  };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
  return {
    port: address.port,
    setMode(next) {
      mode = next;
      for (const pump of pumps) pump();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
