import { describe, it } from 'vitest';
import { REDIS_URL, type Stack, viaPort } from '../support/stack';
import { startTcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait';
import { OUTAGE_MS, runFaultCase, untilBatches } from './fault-case';

const REDIS_DOWN_MS = 120_000;

describe('Redis and Postgres failing under the workers', () => {
  it('Redis flushed', async () => {
    await runFaultCase({
      name: 'Redis flushed',
      injected: "every key of the deployment's queues deleted while its batch runs",
      before: (stack) => stack.emulator.setFaults({ slow_factor: 20 }),
      async inject(stack, jobId) {
        await untilBatches(stack, jobId, 'submitted');
        await stack.flushQueues();
        stack.emulator.setFaults({});
      },
    });
  });

  it('Redis down 2 minutes', async () => {
    const url = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 6379) });
    try {
      await runFaultCase({
        name: 'Redis down 2 minutes',
        injected:
          'every Redis connection of the API and the worker cut, and refused for 120 s, while the batch runs',
        stack: { env: { REDIS_URL: viaPort(REDIS_URL, proxy.port) } },
        before: (stack) => stack.emulator.setFaults({ slow_factor: 20 }),
        async inject(stack, jobId) {
          await untilBatches(stack, jobId, 'submitted');
          proxy.down();
          await new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_MS));
          proxy.up();
          stack.emulator.setFaults({});
        },
      });
    } finally {
      await proxy.close();
    }
  });

  it('Postgres restarted mid-fetch', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    try {
      await runFaultCase({
        name: 'Postgres restarted mid-fetch',
        injected: 'every Postgres connection of the API and the worker cut once the first results are stored',
        inputs: 2000,
        stack: { env: { FETCH_SLICE: '5' }, databaseVia: proxy.port },
        async inject(stack, jobId) {
          await untilResults(stack, jobId);
          proxy.restart();
        },
      });
    } finally {
      await proxy.close();
    }
  });

  it('Postgres down longer than any retries', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    try {
      await runFaultCase({
        name: 'Postgres down 5 minutes',
        injected:
          'every Postgres connection of the API and the worker cut, and refused for 5 minutes, while the batch runs',
        stack: {
          databaseVia: proxy.port,
          // The worker's real backoff (5 s doubling to 5 minutes), not the test stacks' shortened one.
          env: { TRANSIENT_RETRY_BASE_MS: '5000', TRANSIENT_RETRY_MAX_MS: '300000' },
        },
        before: (stack) => stack.emulator.setFaults({ slow_factor: 20 }),
        async inject(stack, jobId) {
          await untilBatches(stack, jobId, 'submitted');
          proxy.down();
          await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
          stack.emulator.setFaults({});
          proxy.up();
        },
      });
    } finally {
      await proxy.close();
    }
  });
});

async function untilResults(stack: Stack, jobId: string): Promise<void> {
  await waitFor(
    'the first results to be stored',
    async () => {
      const [row] = await stack.sql<
        { n: number }[]
      >`select count(*)::int as n from results where job_id = ${jobId}`;
      return (row?.n ?? 0) > 0;
    },
    { intervalMs: 10 },
  );
}
