import { randomBytes } from 'node:crypto';
import { BatchClient } from '@tranche/producer';
import { createQueues, redisConnection } from '@tranche/queues';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { type LocalRedisCluster, startRedisCluster } from '../support/redis-cluster';
import { type Stack, startStack } from '../support/stack';

/** A whole Tranche whose queues live on a three-node Redis Cluster (REDIS_CLUSTER_NODES, a hash-tagged prefix). */
let cluster: LocalRedisCluster;
let stack: Stack;
const prefix = `{test-cluster-${randomBytes(4).toString('hex')}}`;

beforeAll(async () => {
  cluster = await startRedisCluster('redis-cluster');
  stack = await startStack({
    name: 'redis-cluster',
    env: {
      REDIS_CLUSTER_NODES: cluster.urls.join(','),
      QUEUE_PREFIX: prefix,
      // One submission a minute: the second one shows the limiter counting on the cluster.
      RATE_LIMIT_SUBMITS_PER_MIN: '1',
    },
  });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await cluster?.stop();
});

async function keysUnder(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

describe('the queues on a Redis Cluster', () => {
  it('runs a job through the API and a worker, its queues on the cluster', async () => {
    const api = clientFor(stack);
    const submitted = await api.submit(chatJob(30, { metadata: { project: 'e2e', owner: 'tests' } }));
    const view = await api.wait(submitted.job_id, waitOptions());
    expect(view.status).toBe('completed');
    expect(view.reconciliation).toMatchObject({ submitted: 30, succeeded: 30, failed: 0, pending: 0 });
    expectReconciled(view.reconciliation);
    const lines = await Array.fromAsync(api.results(submitted.job_id));
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: 30 }, (_, i) => `doc-${i}`));

    // Every key of the queues is on the cluster, all of them on the node that holds the prefix's slot; the
    // stand-alone Redis of the other tests has none.
    const perNode = await Promise.all(cluster.nodes.map((node) => keysUnder(node, `${prefix}:*`)));
    expect(perNode.filter((keys) => keys.length > 0)).toHaveLength(1);
    expect(perNode.flat().some((key) => key.startsWith(`${prefix}:sweep:`))).toBe(true);
    expect(await keysUnder(stack.redis, `${prefix}:*`)).toEqual([]);
  });

  it('counts the submissions of a key on the cluster: the second of the minute is refused', async () => {
    const response = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatJob(1)),
    });
    expect(response.status).toBe(429);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('rate_limited');
  });

  it('takes a job from the producer SDK on the cluster', async () => {
    const client = new BatchClient({
      databaseUrl: stack.db.url,
      redisClusterNodes: cluster.urls,
      queuePrefix: prefix,
      pollIntervalS: 0.2,
    });
    try {
      const submitted = await client.submit(chatJob(3, { metadata: { project: 'e2e', owner: 'sdk' } }));
      const view = await client.wait(submitted.job_id, { intervalMs: 250, timeoutMs: 120_000 });
      expect(view.status).toBe('completed');
      expect(view.reconciliation).toMatchObject({ submitted: 3, succeeded: 3 });
    } finally {
      await client.close();
    }
  });

  it('refuses queues on a cluster under a prefix without a hash tag', async () => {
    const connection = redisConnection({ clusterNodes: cluster.urls });
    try {
      expect(() => createQueues(connection, 'tranche')).toThrow('needs a hash tag, e.g. {tranche}');
    } finally {
      connection.disconnect();
    }
  });
});
