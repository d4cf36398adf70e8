import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobToSubmit, TrancheClient } from '@tranche/client';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { OUTPUT_DIR } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

let stack: Stack;
let api: TrancheClient;

beforeAll(async () => {
  // No Mistral key on these workers: one test checks a job for that provider waits for a worker that has one.
  stack = await startStack({
    name: 'faults',
    workers: 1,
    env: { CHUNK_MAX_REQUESTS: '500', MISTRAL_API_KEY: '' },
  });
  api = clientFor(stack);
});
afterEach(() => stack.emulator.resetAll());
afterAll(async () => {
  await stack?.stop();
});

async function run(job: JobToSubmit) {
  const { job_id: jobId } = await api.submit(job);
  const view = await api.wait(jobId, waitOptions());
  expectReconciled(view.reconciliation);
  return { jobId, view };
}

describe('provider faults', () => {
  it('reschedules 5% per-request errors into a new chunk and succeeds on a later attempt', async () => {
    stack.emulator.setFaults({ seed: 11, request_errors: { rate: 0.05, status: 500, max_per_custom_id: 1 } });
    const { view, jobId } = await run(chatJob(1000));
    expect(view.status).toBe('completed');
    expect(view.reconciliation).toMatchObject({ submitted: 1000, succeeded: 1000, failed: 0, pending: 0 });
    const retried = view.reconciliation.retried;
    expect(retried).toBeGreaterThan(20);
    expect(retried).toBeLessThan(100);
    const rounds = new Set(view.batches.map((b) => b.round));
    expect(rounds.size).toBeGreaterThanOrEqual(2);
    // Only the failed requests went out again.
    expect(stack.emulator.stats().openai?.requests).toBe(1000 + retried);
    const lines = await Array.fromAsync(api.results(jobId));
    expect(lines.every((l) => l.status === 'succeeded')).toBe(true);
  });

  it('gives up on a request after max_attempts and says why', async () => {
    stack.emulator.setFaults({ seed: 12, request_errors: { rate: 0.1, status: 503 } });
    const { view, jobId } = await run(chatJob(300, { options: { max_attempts: 1 } }));
    expect(view.status).toBe('completed_with_failures');
    expect(view.reconciliation.failed).toBeGreaterThan(0);
    expect(view.reconciliation.failed_by_reason).toEqual({ server_error: view.reconciliation.failed });
    const failed = await Array.fromAsync(api.results(jobId, { failedOnly: true }));
    expect(failed[0]?.error).toMatchObject({ type: 'server_error', retryable: true });
  });

  it('keeps the partial results of an expired batch and reschedules the rest', async () => {
    stack.emulator.setFaults({ expire: { fraction_completed: 0.5, times: 1 } });
    const { view } = await run(chatJob(400));
    expect(view.status).toBe('completed');
    expect(view.reconciliation).toMatchObject({ submitted: 400, succeeded: 400 });
    const expired = view.batches.filter((b) => b.outcome === 'expired');
    expect(expired).toHaveLength(1);
    const completed = expired[0]?.counts?.completed ?? 0;
    expect(completed).toBeGreaterThan(0);
    expect(completed).toBeLessThan(400);
    // Only the expired part was sent again.
    expect(stack.emulator.stats().openai?.requests).toBe(400 + (400 - completed));
  });

  it('reports expired requests as expired when no attempt is left', async () => {
    stack.emulator.setFaults({ expire: { fraction_completed: 0.5, times: 1 } });
    const { view } = await run(chatJob(200, { options: { max_attempts: 1 } }));
    expect(view.status).toBe('completed_with_failures');
    expect(Object.keys(view.reconciliation.failed_by_reason)).toEqual(['expired']);
    expect(view.reconciliation.succeeded).toBeGreaterThan(0);
  });

  it('absorbs 429 and 500 answers on the API calls without creating a second batch', async () => {
    stack.emulator.setFaults({
      http: [
        // A call that creates something is made once: each of these fails one attempt of the submit, and the next
        // looks for what it may have made before sending again. Reads are retried by the SDK.
        { provider: 'openai', method: 'POST', path: '/files', status: 500, times: 1, retry_after_ms: 20 },
        { provider: 'openai', method: 'POST', path: '/batches', status: 429, times: 1, retry_after_ms: 20 },
        { provider: 'openai', method: 'GET', path: '/batches/', status: 503, times: 4, retry_after_ms: 20 },
      ],
    });
    const { view } = await run(chatJob(100));
    expect(view.status).toBe('completed');
    expect(stack.emulator.stats().openai?.batches).toBe(1);
  });

  it('fails the requests of a batch the provider rejected at validation', async () => {
    stack.emulator.setFaults({ fail_validation: { times: 1 } });
    const { view, jobId } = await run(chatJob(50));
    expect(view.status).toBe('failed');
    expect(view.batches[0]?.outcome).toBe('failed');
    expect(view.reconciliation).toMatchObject({ submitted: 50, failed: 50 });
    const [line] = await Array.fromAsync(api.results(jobId));
    expect(line?.error).toMatchObject({ type: 'invalid_request', retryable: false });
  });

  it('keeps a job whose provider no worker has a key for waiting, says why, and runs it once a worker has one', async () => {
    const mistral = { provider: 'mistral', model: 'mistral-small-latest' };
    const { job_id: jobId } = await api.submit(chatJob(5, mistral));
    const reason =
      'sending a batch: provider mistral is not configured: set MISTRAL_API_KEY (waiting for a worker that has it)';

    const blocked = await waitFor('the job to show what blocks it', async () => {
      const view = await api.get(jobId);
      return view.blocked && view;
    });
    expect(blocked).toMatchObject({ status: 'queued', error: null, blocked: { reason } });
    expect(blocked.reconciliation).toMatchObject({ failed: 0, pending: 5 });
    const health = await api.health();
    expect(health).toMatchObject({ status: 'ok', blocked_jobs: 1 });
    expect(health.blocked).toEqual([{ reason, jobs: 1, since: blocked.blocked?.since }]);
    // The worker looks again every UNCONFIGURED_RETRY_MS, spending none of the queue job's attempts.
    const submits = new Queue('submit', { connection: stack.redis, prefix: stack.prefix });
    try {
      const looked = await waitFor('the worker to have looked at the job three times', async () => {
        const queued = await submits.getJob(`submit_${jobId}_r0`);
        return queued && queued.attemptsStarted >= 3 && queued;
      });
      expect(looked.attemptsMade).toBe(0);
    } finally {
      await submits.close();
    }

    stack.startWorker({ MISTRAL_API_KEY: 'mistral-test-not-a-secret' });
    const view = await api.wait(jobId, waitOptions());

    expect(view.status).toBe('completed');
    expect(view.blocked).toBeNull();
    expectReconciled(view.reconciliation);
    expect(view.reconciliation).toMatchObject({ submitted: 5, succeeded: 5 });
    const log = readFileSync(join(OUTPUT_DIR, `${stack.workers[0]!.name}.log`), 'utf8');
    const told = log
      .split('\n')
      .filter((line) => line.includes('provider not configured on this worker') && line.includes(jobId));
    expect(told).toHaveLength(1);
  });
});
