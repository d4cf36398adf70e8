import { describe, it } from 'vitest';
import { OUTAGE_MS, runFaultCase, untilBatches } from './fault-case';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PROVIDER_DOWN = { http: [{ provider: 'openai', status: 503, message: 'down for maintenance' }] };

describe('a provider that misbehaves', () => {
  it('provider down longer than any retries', async () => {
    await runFaultCase({
      name: 'provider down 5 minutes',
      injected: 'every call to the provider answered 503 for 5 minutes, from the submit on',
      // The worker's real backoff (5 s doubling to 5 minutes), not the test stacks' shortened one.
      stack: { env: { TRANSIENT_RETRY_BASE_MS: '5000', TRANSIENT_RETRY_MAX_MS: '300000' } },
      before: (stack) => stack.emulator.setFaults(PROVIDER_DOWN),
      async inject(stack) {
        await sleep(OUTAGE_MS);
        stack.emulator.setFaults({});
      },
    });
  });

  it('10% 429 and 5xx on every provider call', async () => {
    await runFaultCase({
      name: '10% 429 and 5xx on every call',
      injected: 'each call to the provider answered 429 (5%) or 503 (5%) at random, for the whole run',
      inputs: 600,
      stack: { env: { CHUNK_MAX_REQUESTS: '100' } },
      before: (stack) =>
        stack.emulator.setFaults({
          http: [
            { provider: 'openai', status: 429, rate: 0.05, retry_after_ms: 50 },
            { provider: 'openai', status: 503, rate: 0.05 },
          ],
        }),
      async inject() {},
    });
  });

  it('a create whose answer is lost', async () => {
    await runFaultCase({
      name: 'a create whose answer is lost',
      injected: 'the batch created at the provider, the connection dropped before its answer',
      before: (stack) =>
        stack.emulator.setFaults({
          drop_response: [{ provider: 'openai', method: 'POST', path: '^/batches$', times: 1 }],
        }),
      async inject() {},
    });
  });

  it('expiry with partial output', async () => {
    await runFaultCase({
      name: 'expiry with partial output',
      injected: 'the first batch expires with 40% of its requests done',
      before: (stack) => stack.emulator.setFaults({ expire: { fraction_completed: 0.4, times: 1 } }),
      async inject() {},
    });
  });

  it('a batch that reports completed with no output file', async () => {
    await runFaultCase({
      name: 'completed with no output file',
      injected: 'the first batch ends `completed` with `output_file_id: null`',
      before: (stack) => stack.emulator.setFaults({ lose_output_file: { times: 1 } }),
      async inject() {},
    });
  });

  it('duplicate and unknown custom_id lines', async () => {
    await runFaultCase({
      name: 'duplicate and unknown custom_id lines',
      injected: '10% of result lines written twice, 10% followed by a line under an unknown custom_id',
      before: (stack) =>
        stack.emulator.setFaults({ duplicate_lines: { rate: 0.1 }, unknown_lines: { rate: 0.1 } }),
      async inject() {},
    });
  });

  it('a truncated output file', async () => {
    await runFaultCase({
      name: 'a truncated output file',
      injected: 'the first output file cut partway through line 50',
      before: (stack) => stack.emulator.setFaults({ truncate_output: { at_line: 50, times: 1 } }),
      async inject() {},
    });
  });

  it('NUL in answers', async () => {
    await runFaultCase({
      name: 'NUL in answers',
      injected: '5% of answers hold a NUL character, every attempt',
      before: (stack) => stack.emulator.setFaults({ nul_answers: { rate: 0.05 } }),
      async inject() {},
    });
  });

  it('worker SIGKILL while the provider is down', async () => {
    await runFaultCase({
      name: 'worker SIGKILL during an outage',
      injected:
        'every provider call answered 503 for 60 s, the worker killed in the middle, a new one started',
      before: (stack) => stack.emulator.setFaults({ slow_factor: 20 }),
      async inject(stack, jobId) {
        await untilBatches(stack, jobId, 'submitted');
        stack.emulator.setFaults({ ...PROVIDER_DOWN, slow_factor: 20 });
        await sleep(30_000);
        await stack.workers[0]?.kill('SIGKILL');
        stack.startWorker();
        await sleep(30_000);
        stack.emulator.setFaults({});
      },
    });
  });
});
