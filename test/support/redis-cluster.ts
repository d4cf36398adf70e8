import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startBinary } from './binary-process';
import type { Managed } from './processes';
import { waitFor } from './wait';

const run = promisify(execFile);

export interface LocalRedisCluster {
  /** One `redis://` URL per node, as REDIS_CLUSTER_NODES takes them. */
  urls: string[];
  /** A connection to each node, to look at what it holds. */
  nodes: Redis[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `size` primaries on loopback (`redis-server --cluster-enabled yes`, joined by
 * `redis-cli --cluster create`), its files in a temporary directory, no persistence.
 */
export async function startRedisCluster(name: string, size = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tranche-redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < size) ports.push(await clusterPort(ports));
  const servers: Managed[] = ports.map((port) =>
    startBinary(`${name}-redis-${port}`, 'redis-server', [
      ...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
      ...['--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no'],
    ]),
  );
  const nodes = ports.map((port) => {
    const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
    // Refused until its server listens: `waitFor` below retries, and ioredis must not print each attempt.
    node.on('error', () => {});
    return node;
  });
  const stop = async () => {
    for (const node of nodes) node.disconnect();
    await Promise.all(servers.map((server) => server.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const node of nodes) {
      await waitFor('a cluster node to answer', async () => (await node.ping()) === 'PONG');
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    for (const node of nodes) {
      await waitFor('every node to see the cluster ready', async () =>
        (await node.cluster('INFO')).includes('cluster_state:ok'),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls: ports.map((port) => `redis://127.0.0.1:${port}`), nodes, stop };
}

/** A free port whose cluster bus port (the port + 10,000) is free as well. */
async function clusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
