import { describe, it } from 'vitest';
import { waitFor } from '../support/wait';
import { runFaultCase, untilBatches } from './fault-case';

describe('workers that die or race', () => {
  it('worker SIGKILL during submit', async () => {
    await runFaultCase({
      name: 'worker SIGKILL during submit',
      injected:
        'the create call held 4 s at the provider, the worker killed in that window, a new one started',
      before: (stack) =>
        stack.emulator.setFaults({
          delay: [{ provider: 'openai', method: 'POST', path: '^/batches$', ms: 4000, times: 1 }],
        }),
      async inject(stack) {
        await waitFor(
          'the provider to have the batch',
          async () => stack.emulator.stats().openai?.batches === 1,
        );
        await stack.workers[0]?.kill('SIGKILL');
        stack.startWorker();
      },
    });
  });

  it('worker SIGKILL during poll', async () => {
    await runFaultCase({
      name: 'worker SIGKILL during poll',
      injected: 'the worker killed while its batch runs at the provider, a new one started 2 s later',
      before: (stack) => stack.emulator.setFaults({ slow_factor: 20 }),
      async inject(stack, jobId) {
        await untilBatches(stack, jobId, 'submitted');
        await stack.workers[0]?.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 2000));
        stack.emulator.setFaults({});
        stack.startWorker();
      },
    });
  });

  it('worker SIGKILL during the result write', async () => {
    await runFaultCase({
      name: 'worker SIGKILL during the result write',
      injected: 'the worker killed once the first of 400 slices of results is stored, a new one started',
      inputs: 2000,
      // Five results a transaction: the write takes long enough to be cut in the middle.
      stack: { env: { FETCH_SLICE: '5' } },
      async inject(stack, jobId) {
        await waitFor(
          'the first results to be stored',
          async () => {
            const [row] = await stack.sql<{ n: number }[]>`
              select count(*)::int as n from results where job_id = ${jobId}`;
            return (row?.n ?? 0) > 0;
          },
          { intervalMs: 10 },
        );
        await stack.workers[0]?.kill('SIGKILL');
        const [stored] = await stack.sql<{ n: number }[]>`
          select count(*)::int as n from results where job_id = ${jobId}`;
        if ((stored?.n ?? 0) >= 2000) throw new Error('the write ended before the kill: nothing was tested');
        stack.startWorker();
      },
    });
  });

  it('two workers racing for the same batches', async () => {
    await runFaultCase({
      name: 'two workers racing',
      injected: 'three workers on one queue prefix from the start, each free to take any queue job',
      inputs: 600,
      stack: { workers: 3, env: { CHUNK_MAX_REQUESTS: '100' } },
      async inject() {},
    });
  });
});
