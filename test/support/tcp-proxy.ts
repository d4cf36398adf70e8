import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback in front of Postgres or Redis, which a fault test can take down: every open connection is
 * cut and new ones are refused until it comes back, as clients see a server that restarted or became unreachable.
 * The real server keeps running, so the other test files on this machine are not disturbed.
 */
export interface TcpProxy {
  port: number;
  /** Cuts every open connection; new ones are refused until `up()`. */
  down(): void;
  up(): void;
  /** Cuts every open connection once, then accepts again: a restart. */
  restart(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let accepting = true;
  const cutAll = () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
  const server: Server = createServer((client) => {
    if (!accepting) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const forget = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    down() {
      accepting = false;
      cutAll();
    },
    up() {
      accepting = true;
    },
    restart() {
      cutAll();
    },
    async close() {
      accepting = false;
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
