import { randomBytes } from 'node:crypto';
import {
  IdempotencyKeyReusedError,
  loadApiEnv,
  RequestValidationError,
  type SdkJobSpec,
  startApi,
} from '@tranche/producer';
import { describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { freePort } from '../support/ports';
import { stackWithClient } from '../support/stack-with-client';
import { waitFor } from '../support/wait';

const t = stackWithClient({ name: 'once' });

const freshRun = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const jobOf = (runId: string, count = 3, inputOf?: (i: number) => Record<string, unknown>) =>
  chatJob(count, { metadata: { project: 'e2e', owner: 'tests', run_id: runId } }, inputOf);

function ndjsonOf(job: { inputs: unknown[] }): string {
  const { inputs, ...header } = job;
  return [JSON.stringify(header), ...inputs.map((input) => JSON.stringify(input))].join('\n');
}

interface Answer {
  status: number;
  replayed: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are whatever the API answered
  body: any;
}

async function post(body: string, contentType: string, key: string): Promise<Answer> {
  const response = await fetch(`${t.stack.apiUrl}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'idempotency-key': key },
    body,
  });
  return {
    status: response.status,
    replayed: response.headers.get('idempotent-replayed'),
    body: await response.json(),
  };
}
const postJson = (job: unknown, key: string) => post(JSON.stringify(job), 'application/json', key);
const postNdjson = (job: { inputs: unknown[] }, key: string) =>
  post(ndjsonOf(job), 'application/x-ndjson', key);

async function jobsOfRun(runId: string): Promise<string[]> {
  const rows = await t.stack.sql<
    { id: string }[]
  >`select id from jobs where run_id = ${runId} order by created_at`;
  return rows.map((r) => r.id);
}

describe('Idempotency-Key on POST /v1/jobs', () => {
  it('answers the same key and body again with the first answer, marked as a replay, and makes one job', async () => {
    const runId = freshRun('idem-json');
    const key = `key-${runId}`;
    const first = await postJson(jobOf(runId), key);
    expect(first).toMatchObject({ status: 202, replayed: null, body: { status: 'queued', to_send: 3 } });
    const again = await postJson(jobOf(runId), key);
    expect(again).toEqual({ status: 202, replayed: 'true', body: first.body });
    expect(await jobsOfRun(runId)).toEqual([first.body.job_id]);
  });

  it('hashes an NDJSON body as it streams in: the same lines replay, other lines are a 422', async () => {
    const runId = freshRun('idem-ndjson');
    const key = `key-${runId}`;
    const job = jobOf(runId, 200);
    const first = await postNdjson(job, key);
    expect(first).toMatchObject({ status: 202, replayed: null, body: { inputs: 200 } });
    expect(await postNdjson(job, key)).toEqual({ status: 202, replayed: 'true', body: first.body });
    const other = await postNdjson({ ...job, inputs: job.inputs.slice(1) }, key);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({
      type: 'idempotency_key_reused',
      header: 'Idempotency-Key',
      message: expect.stringContaining('Idempotency-Key'),
    });
    expect(await jobsOfRun(runId)).toEqual([first.body.job_id]);
  });

  it('replays a JSON body read as it streams in, with its fields before or after its inputs', async () => {
    for (const order of ['fields first', 'inputs first', 'a field after the inputs'] as const) {
      const runId = freshRun('idem-json-order');
      const key = `key-${runId}`;
      const { inputs, metadata, ...rest } = jobOf(runId, 300);
      const body =
        order === 'fields first'
          ? JSON.stringify({ ...rest, metadata, inputs })
          : order === 'inputs first'
            ? JSON.stringify({ inputs, ...rest, metadata })
            : // The fields before the inputs make a job already: the inputs are taken twice, the key claimed once.
              JSON.stringify({ ...rest, metadata, inputs, options: { max_attempts: 2 } });
      const first = await post(body, 'application/json', key);
      expect(first, order).toMatchObject({
        status: 202,
        replayed: null,
        body: { inputs: 300, to_send: 300 },
      });
      expect(await post(body, 'application/json', key)).toEqual({
        status: 202,
        replayed: 'true',
        body: first.body,
      });
      const other = await post(body.replace('"doc-0"', '"doc-x"'), 'application/json', key);
      expect(other.status).toBe(422);
      expect(await jobsOfRun(runId)).toEqual([first.body.job_id]);
    }
  });

  it('refuses the same key with a different body with 422 naming the header, creating nothing', async () => {
    const runId = freshRun('idem-other');
    const key = `key-${runId}`;
    const first = await postJson(jobOf(runId), key);
    expect(first.status).toBe(202);
    const [before] = await t.stack.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    const other = await postJson(jobOf(runId, 4), key);
    expect(other.status).toBe(422);
    expect(other.body.error).toMatchObject({ type: 'idempotency_key_reused', header: 'Idempotency-Key' });
    // A body that differs only in its bytes (key order, spacing) is another body: the key covers what was sent.
    const reordered = JSON.stringify(jobOf(runId), null, 2);
    expect((await post(reordered, 'application/json', key)).status).toBe(422);
    const [after] = await t.stack.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    expect(after?.n).toBe(before?.n);
  });

  it('makes one job of requests racing with one key, and answers all of them with it', async () => {
    const runId = freshRun('idem-race');
    const key = `key-${runId}`;
    const job = jobOf(runId, 2000);
    const answers = await Promise.all(Array.from({ length: 4 }, () => postNdjson(job, key)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const jobIds = new Set(answers.map((a) => a.body.job_id));
    expect(jobIds.size).toBe(1);
    expect(answers.filter((a) => a.replayed === null)).toHaveLength(1);
    expect(await jobsOfRun(runId)).toEqual([...jobIds]);
  });

  it('keeps no key for a job that was refused: the key is free for the corrected job', async () => {
    const runId = freshRun('idem-refused');
    const key = `key-${runId}`;
    const refused = await postJson({ ...jobOf(runId), model: '' }, key);
    expect(refused.status).toBe(400);
    const accepted = await postJson(jobOf(runId), key);
    expect(accepted).toMatchObject({ status: 202, replayed: null });
  });

  it('forgets a key after 24 hours: the same key then makes a new job', async () => {
    const runId = freshRun('idem-expiry');
    const key = `key-${runId}`;
    const first = await postJson(jobOf(runId), key);
    await t.stack
      .sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`;
    const later = await postJson(jobOf(runId, 4), key);
    expect(later).toMatchObject({ status: 202, replayed: null });
    expect(later.body.job_id).not.toBe(first.body.job_id);
    expect(await jobsOfRun(runId)).toEqual([first.body.job_id, later.body.job_id]);
    // And the new answer is the one the key now replays.
    expect(await postJson(jobOf(runId, 4), key)).toEqual({ status: 202, replayed: 'true', body: later.body });
  });

  it('takes an idempotencyKey in BatchClient.submit, with the same rules', async () => {
    const runId = freshRun('idem-sdk');
    const spec = jobOf(runId) as SdkJobSpec;
    const first = await t.client.submit(spec, { idempotencyKey: `sdk-${runId}` });
    // The same job with its keys in another order is the same job for the SDK.
    const { inputs, metadata, ...rest } = spec;
    const again = await t.client.submit({ metadata, inputs, ...rest }, { idempotencyKey: `sdk-${runId}` });
    expect(again).toEqual(first);
    await expect(
      t.client.submit(jobOf(runId, 4) as SdkJobSpec, { idempotencyKey: `sdk-${runId}` }),
    ).rejects.toThrow(IdempotencyKeyReusedError);
    await expect(t.client.submit(spec, { idempotencyKey: '' })).rejects.toThrow(RequestValidationError);
    await expect(t.client.submit(spec, { idempotencyKey: '' })).rejects.toThrow('idempotencyKey');
    expect(await jobsOfRun(runId)).toEqual([first.job_id]);
  });
});

describe('intake while Redis is down', () => {
  it('answers 202 without waiting for Redis, and the sweeper queues the job, which completes', async () => {
    const api = await startApi(
      loadApiEnv({
        ...t.stack.env,
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
        PORT: '0',
        LOG_LEVEL: 'silent',
      }),
    );
    try {
      const submitted = await clientFor(api.url).submit(jobOf(freshRun('redis-down'), 5));
      expect(submitted).toMatchObject({ status: 'queued', to_send: 5 });
      // That API never reached Redis: the stack's worker got the job from its sweeper.
      const view = await clientFor(t.stack).wait(submitted.job_id, waitOptions());
      expect(view.status).toBe('completed');
      expectReconciled(view.reconciliation);
    } finally {
      await api.close();
    }
  });
});

describe('a replay of a run while its first job runs', () => {
  /** The provider keeps answering polls with 503: the batches it has stay in flight until the fault is cleared. */
  const holdPolls = { http: [{ provider: 'openai', method: 'GET', path: '^/batches/', status: 503 }] };

  async function batchAtProvider(jobId: string) {
    await waitFor('the first job to be at the provider', async () => {
      const [row] = await t.stack.sql<{ n: number }[]>`
        select count(*)::int as n from provider_batches where job_id = ${jobId} and provider_batch_id is not null`;
      return row?.n === 1;
    });
  }

  function openaiStats() {
    const { batches = 0, requests = 0 } = t.stack.emulator.stats().openai ?? {};
    return { batches, requests };
  }

  it('sends nothing twice: the replay takes the first job’s results, and both end with all of them', async () => {
    t.stack.emulator.resetAll();
    t.stack.emulator.setFaults(holdPolls);
    const runId = freshRun('inflight');
    const api = clientFor(t.stack);
    const first = await api.submit(jobOf(runId, 20));
    await batchAtProvider(first.job_id);

    const replayJob = jobOf(runId, 22);
    const replay = await api.submit(replayJob);
    expect(replay).toMatchObject({ status: 'queued', skipped_done: 0, awaiting: 20, to_send: 2 });
    t.stack.emulator.setFaults({});

    const [firstView, replayView] = await Promise.all([
      api.wait(first.job_id, waitOptions()),
      api.wait(replay.job_id, waitOptions()),
    ]);
    expect(firstView.status).toBe('completed');
    expect(replayView.status).toBe('completed');
    expect(replayView.reconciliation).toMatchObject({
      submitted: 22,
      succeeded: 22,
      skipped_done: 20,
      pending: 0,
    });
    expect(openaiStats()).toEqual({ batches: 2, requests: 22 });

    const firstLines = await Array.fromAsync(api.results(first.job_id));
    const replayLines = await Array.fromAsync(api.results(replay.job_id));
    expect(replayLines.map((l) => l.status)).toEqual(Array(22).fill('succeeded'));
    expect(replayLines.slice(0, 20).map((l) => l.output)).toEqual(firstLines.map((l) => l.output));
  });

  it('sends a request itself when the first job failed it', async () => {
    t.stack.emulator.resetAll();
    // Every request of the first job's batch fails for good (a 400, and one attempt).
    t.stack.emulator.setFaults({
      ...holdPolls,
      request_errors: { provider: 'openai', rate: 1, status: 400 },
    });
    const runId = freshRun('inflight-failed');
    const api = clientFor(t.stack);
    const first = await api.submit({ ...jobOf(runId, 6), options: { max_attempts: 1 } });
    await batchAtProvider(first.job_id);
    const replay = await api.submit(jobOf(runId, 6));
    expect(replay).toMatchObject({ awaiting: 6, to_send: 0 });
    t.stack.emulator.setFaults({});

    const firstView = await api.wait(first.job_id, waitOptions());
    expect(firstView.status).toBe('failed');
    const replayView = await api.wait(replay.job_id, waitOptions());
    expect(replayView.status).toBe('completed');
    expect(replayView.reconciliation).toMatchObject({ submitted: 6, succeeded: 6, skipped_done: 0 });
    expect(openaiStats()).toEqual({ batches: 2, requests: 12 });
    const replayLines = await Array.fromAsync(api.results(replay.job_id));
    expect(replayLines.map((l) => l.status)).toEqual(Array(6).fill('succeeded'));
  });
});
