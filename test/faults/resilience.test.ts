import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, type JobToSubmit, type TrancheClient } from '@tranche/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { OUTPUT_DIR } from '../support/processes';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

let stack: Stack;
let api: TrancheClient;

beforeAll(async () => {
  stack = await startStack({ name: 'resilience', workers: 1 });
  api = clientFor(stack);
});
afterAll(async () => {
  await stack?.stop();
});

/** Every JSON line the stack's workers logged (their log files also hold earlier runs': filter by id). */
function workerLogs(): Array<Record<string, unknown>> {
  return stack.workers
    .flatMap((w) => readFileSync(join(OUTPUT_DIR, `${w.name}.log`), 'utf8').split('\n'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // not a log line (stderr), or one still being written
      }
    });
}

const submit = async (job: JobToSubmit): Promise<string> => (await api.submit(job)).job_id;

describe('crashes, lost queues, cancels and timeouts', () => {
  it('adopts the batch a worker created before it was killed, never sending a second one', async () => {
    stack.emulator.resetAll();
    // The provider accepts the batch, but the worker does not hear back for 4 s: kill it in that window.
    stack.emulator.setFaults({
      delay: [{ provider: 'openai', method: 'POST', path: '^/batches$', ms: 4000, times: 1 }],
    });
    const jobId = await submit(chatJob(120));
    await waitFor(
      'the provider to accept the batch',
      async () => stack.emulator.stats().openai?.batches === 1,
    );
    const [worker] = stack.workers;
    await worker?.kill('SIGKILL');
    const [row] = await stack.sql<{ provider_batch_id: string | null }[]>`
      select provider_batch_id from provider_batches where job_id = ${jobId}`;
    expect(row?.provider_batch_id).toBeNull();
    stack.startWorker();
    const view = await api.wait(jobId, waitOptions());
    expect(view.status).toBe('completed');
    expectReconciled(view.reconciliation);
    expect(stack.emulator.stats().openai).toMatchObject({ batches: 1, requests: 120 });
  });

  it('waits out a provider answering 503 to every call for longer than the queue attempts, then finishes by itself', async () => {
    stack.emulator.resetAll();
    // Held in progress long enough for the outage to start while the batch is at the provider.
    stack.emulator.setFaults({ slow_factor: 20 });
    const jobId = await submit(chatJob(60));
    const batchId = await waitFor('the batch to be submitted', async () => {
      const [row] = await stack.sql<{ id: string }[]>`
        select id from provider_batches where job_id = ${jobId} and state = 'submitted'`;
      return row?.id;
    });
    stack.emulator.setFaults({
      http: [{ provider: 'openai', status: 503, retry_after_ms: 1, message: 'down for maintenance' }],
    });

    // The job says what holds it, and so does /health (still 200: the API and its stores are fine).
    const blocked = await waitFor('the job to show what blocks it', async () => {
      return (await api.get(jobId)).blocked;
    });
    expect(blocked.reason).toMatch(/^polling a batch: openai 503: /);
    const health = await api.health();
    expect(health.blocked_jobs).toBe(1);
    expect(health.blocked).toEqual([expect.objectContaining({ reason: blocked.reason, jobs: 1 })]);
    // More tries than the queue job has attempts (8), none of them spent: it used to end failed here.
    const pollId = `poll_${batchId}`;
    const waits = () =>
      workerLogs()
        .filter((l) => l.msg === 'waiting out an error before trying again' && l.queueJobId === pollId)
        .map((l) => l.waits as number);
    await waitFor('more waits than the queue has attempts', async () => Math.max(0, ...waits()) > 10);

    stack.emulator.setFaults({ http: null, slow_factor: null });
    const view = await api.wait(jobId, waitOptions());

    expect(view.status).toBe('completed');
    expect(view.blocked).toBeNull();
    expectReconciled(view.reconciliation);
    expect(view.reconciliation).toMatchObject({ submitted: 60, succeeded: 60, failed: 0 });
    expect(stack.emulator.stats().openai?.batches).toBe(1);
    expect(workerLogs().filter((l) => l.msg === 'queue job failed' && l.jobId === pollId)).toEqual([]);
    expect(await api.health()).toMatchObject({ blocked_jobs: 0, blocked: [] });
  });

  it('finishes a job after Redis lost every queue mid-run', async () => {
    stack.emulator.resetAll();
    stack.emulator.setFaults({ slow_factor: 20 });
    const jobId = await submit(chatJob(300));
    await waitFor('the batch to be submitted', async () => {
      const [row] = await stack.sql<{ n: number }[]>`
        select count(*)::int as n from provider_batches where job_id = ${jobId} and state = 'submitted'`;
      return row?.n === 1;
    });
    expect(await stack.flushQueues()).toBeGreaterThan(0);
    const view = await api.wait(jobId, waitOptions());
    expect(view.status).toBe('completed');
    expect(view.reconciliation.succeeded).toBe(300);
    expect(stack.emulator.stats().openai?.batches).toBe(1);
  });

  it('cancels a running job, keeping what already finished', async () => {
    stack.emulator.resetAll();
    stack.emulator.setFaults({ slow_factor: 40 });
    const jobId = await submit(chatJob(400));
    await waitFor('the batch to be in progress', async () => {
      const [batch] = (await api.get(jobId)).batches;
      return batch?.provider_status === 'in_progress' && (batch.counts?.completed ?? 0) > 0;
    });
    const cancelled = await api.cancel(jobId);
    expect(cancelled.status).toBe('cancelling');
    const view = await api.wait(jobId, waitOptions());
    expect(view.status).toBe('cancelled');
    expectReconciled(view.reconciliation);
    expect(view.reconciliation.succeeded).toBeGreaterThan(0);
    expect(view.reconciliation.failed_by_reason.cancelled).toBe(400 - view.reconciliation.succeeded);
    expect(view.batches[0]?.outcome).toBe('cancelled');
    const lines = await Array.fromAsync(api.results(jobId));
    expect(lines.filter((l) => l.status === 'succeeded')).toHaveLength(view.reconciliation.succeeded);
    await expect(api.cancel(jobId)).rejects.toBeInstanceOf(ConflictError);
  });

  it('times out a job past timeout_h, cancels its batches and logs it at error level', async () => {
    stack.emulator.resetAll();
    stack.emulator.setFaults({ slow_factor: 50 });
    const jobId = await submit(chatJob(50, { options: { timeout_h: 2 / 3600 } }));
    const view = await api.wait(jobId, waitOptions(60_000));
    expect(view.status).toBe('timed_out');
    expectReconciled(view.reconciliation);
    expect(view.reconciliation.failed_by_reason.cancelled).toBe(50);
    expect(view.batches[0]?.outcome).toBe('cancelled');
    const logs = stack.workers.map((w) => readFileSync(join(OUTPUT_DIR, `${w.name}.log`), 'utf8')).join('\n');
    const line = logs.split('\n').find((l) => l.includes('job_timed_out') && l.includes(jobId));
    expect(line && JSON.parse(line).level).toBe(50);
    const [alerts] = await stack.sql<{ n: number }[]>`
      select count(*)::int as n from alerts where kind = 'job_timed_out' and job_id = ${jobId}`;
    expect(alerts?.n).toBe(1);
  });
});
