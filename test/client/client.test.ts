import { randomUUID } from 'node:crypto';
import {
  AuthenticationError,
  BudgetExceededError,
  ConflictError,
  ConnectionError,
  type FetchLike,
  IdempotencyKeyReusedError,
  IncompleteResultsError,
  type JobInput,
  type JobResult,
  type JobView,
  NotFoundError,
  PermissionError,
  TERMINAL_STATUSES,
  TrancheClient,
  TrancheError,
  type UploadProgress,
  ValidationError,
} from '@tranche/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack';
import { chatInputs, chatJob } from './support/jobs';

// The client against a whole Tranche (API, worker and provider emulator as real processes) with keys required.
const ADMIN_KEY = 'client-tests-admin-key-not-a-secret';

let stack: Stack;
let admin: TrancheClient;

beforeAll(async () => {
  stack = await startStack({ name: 'client', workers: 1, env: { ADMIN_API_KEYS: ADMIN_KEY } });
  admin = new TrancheClient({ url: stack.apiUrl, apiKey: ADMIN_KEY });
});
afterAll(async () => {
  await stack?.stop();
});
afterEach(() => stack?.emulator.setFaults({}));

const clientWith = (options: { apiKey?: string; fetch?: FetchLike; maxRetries?: number }) =>
  new TrancheClient({ url: stack.apiUrl, ...options });

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const waitFast = (jobId: string, onProgress?: (job: JobView) => void) =>
  admin.wait(jobId, { intervalMs: 200, timeoutMs: 40_000, onProgress });

async function jobsOfRun(runId: string): Promise<number> {
  const [row] = await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs where run_id = ${runId}`;
  return row!.n;
}

describe('jobs', () => {
  it('submits a JSON job, waits with progress, and reads its typed results in input order', async () => {
    const uploads: UploadProgress[] = [];
    const submitted = await admin.submit(chatJob('client-json', chatInputs(4)), {
      onUpload: (p) => uploads.push(p),
    });
    expect(submitted).toMatchObject({ status: 'queued', inputs: 4, duplicates: 0, to_send: 4 });
    expect(uploads).toEqual([{ inputs: 4, bytes: expect.any(Number) }]);

    const views: JobView[] = [];
    const done = await waitFast(submitted.job_id, (job) => views.push(job));
    expect(done.status).toBe('completed');
    expect(views.at(-1)).toEqual(done);
    expect(views.slice(0, -1).every((view) => !TERMINAL_STATUSES.includes(view.status))).toBe(true);
    expect(done.reconciliation).toMatchObject({
      inputs: 4,
      submitted: 4,
      succeeded: 4,
      failed: 0,
      pending: 0,
    });

    const results: JobResult[] = await collect(admin.results(submitted.job_id));
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['in-0', 'succeeded'],
      ['in-1', 'succeeded'],
      ['in-2', 'succeeded'],
      ['in-3', 'succeeded'],
    ]);
    expect(results[0]!.custom_id).toMatch(/^run-[0-9a-f]{16}-[a-z2-7]{26}$/);
    expect((await admin.get(submitted.job_id)).status).toBe('completed');
  });

  it('streams an NDJSON submit from an async generator, one input at a time, reporting the upload', async () => {
    let produced = 0;
    async function* inputs(): AsyncGenerator<JobInput> {
      for (let i = 0; i < 40; i++) {
        produced++;
        yield { id: `gen-${i}`, prompt: `Generated ${i}` };
      }
    }
    const uploads: UploadProgress[] = [];
    const submitted = await admin.submit(chatJob('client-ndjson', inputs()), {
      onUpload: (p) => uploads.push(p),
    });
    expect(submitted).toMatchObject({ inputs: 40, to_send: 40 });
    expect(produced).toBe(40);
    expect(uploads.at(-1)).toEqual({ inputs: 40, bytes: expect.any(Number) });
    expect(uploads.map((p) => p.inputs)).toEqual([...uploads.map((p) => p.inputs)].sort((a, b) => a - b));

    // A plain (sync) iterable streams the same way.
    const fromSet = await admin.submit(chatJob('client-ndjson', new Set(chatInputs(3, 'From a set'))));
    expect(fromSet.inputs).toBe(3);

    await waitFast(submitted.job_id);
    const results = await collect(admin.results(submitted.job_id));
    expect(results.map((r) => r.id)).toEqual(Array.from({ length: 40 }, (_, i) => `gen-${i}`));
  });

  it('estimates a job (dry run) as JSON and as a stream, writing nothing', async () => {
    const job = chatJob('client-estimate', chatInputs(5));
    const estimate = await admin.estimate(job);
    expect(estimate).toMatchObject({ dry_run: true, provider: 'openai', model: 'gpt-4o-mini', inputs: 5 });
    expect(estimate.per_input).toHaveLength(5);
    async function* streamed() {
      yield* chatInputs(5);
    }
    expect(await admin.estimate({ ...job, inputs: streamed() })).toEqual(estimate);
    expect((await admin.jobs({ project: 'client-estimate' })).jobs).toEqual([]);
  });

  it('lists jobs by project, status and run id, a page at a time', async () => {
    const runId = `list-${randomUUID().slice(0, 8)}`;
    const job = {
      ...chatJob('client-list'),
      metadata: { project: 'client-list', owner: 'ana', run_id: runId },
    };
    const first = await admin.submit({ ...job, inputs: chatInputs(1, 'First') });
    const second = await admin.submit({ ...job, inputs: chatInputs(1, 'Second') });
    await Promise.all([waitFast(first.job_id), waitFast(second.job_id)]);

    const page = await admin.jobs({ project: 'client-list', runId, limit: 1 });
    expect(page.jobs.map((j) => j.job_id)).toEqual([second.job_id]);
    expect(page.next_cursor).toEqual(expect.any(String));
    const next = await admin.jobs({ project: 'client-list', runId, limit: 1, cursor: page.next_cursor! });
    expect(next.jobs.map((j) => j.job_id)).toEqual([first.job_id]);

    const completed = await admin.jobs({ project: 'client-list', status: ['completed', 'failed'] });
    expect(completed.jobs.map((j) => j.job_id).sort()).toEqual([first.job_id, second.job_id].sort());
    expect(completed.jobs[0]).toMatchObject({
      provider: 'openai',
      metadata: { project: 'client-list', run_id: runId },
    });
    expect((await admin.jobs({ project: 'client-list', status: 'running' })).jobs).toEqual([]);
  });

  it('groups failures by reason and reads only the failed results when asked', async () => {
    stack.emulator.setFaults({ seed: 3, request_errors: { provider: 'openai', rate: 0.5, status: 400 } });
    const submitted = await admin.submit({
      ...chatJob('client-failures', chatInputs(12, 'Maybe')),
      options: { max_attempts: 1 },
    });
    const done = await waitFast(submitted.job_id);
    expect(done.status).toBe('completed_with_failures');

    const all = await collect(admin.results(submitted.job_id));
    const failedOnly = await collect(admin.results(submitted.job_id, { failedOnly: true }));
    expect(failedOnly).toEqual(all.filter((r) => r.status === 'failed'));
    expect(failedOnly.length).toBeGreaterThan(0);
    expect(failedOnly.length).toBeLessThan(12);
    expect(failedOnly[0]!.error).toMatchObject({ type: 'invalid_request' });

    const failures = await admin.failures(submitted.job_id, { examples: 2 });
    expect(failures).toMatchObject({ job_id: submitted.job_id, failed: failedOnly.length });
    expect(failures.reasons.map((r) => [r.reason, r.count])).toEqual([
      ['invalid_request', failedOnly.length],
    ]);
    expect(failures.reasons[0]!.examples).toHaveLength(Math.min(2, failedOnly.length));
  });

  it('cancels a job, then answers a ConflictError for a job that has finished', async () => {
    // The provider answers every poll with a 503: the job's batch stays in flight until the fault is cleared.
    stack.emulator.setFaults({
      http: [{ provider: 'openai', method: 'GET', path: '^/batches/', status: 503 }],
    });
    const submitted = await admin.submit(chatJob('client-cancel'));
    const cancelling = await admin.cancel(submitted.job_id);
    expect(['cancelling', 'cancelled']).toContain(cancelling.status);
    stack.emulator.setFaults({});
    expect((await waitFast(submitted.job_id)).status).toBe('cancelled');

    const again = await admin.cancel(submitted.job_id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConflictError);
    expect(again).toMatchObject({ status: 409, type: 'already_finished', jobStatus: 'cancelled' });
  });
});

describe('costs, budgets, keys', () => {
  it('reads costs as JSON and CSV', async () => {
    const submitted = await admin.submit(chatJob('client-costs'));
    await waitFast(submitted.job_id);
    const costs = await admin.costs({ window: '24h', group_by: ['project', 'model'] });
    expect(costs.group_by).toEqual(['project', 'model']);
    expect(costs.groups).toContainEqual(
      expect.objectContaining({ project: 'client-costs', model: 'gpt-4o-mini', results: 3, succeeded: 3 }),
    );
    const csv = await admin.costsCsv({ window: '24h', group_by: 'project' });
    const [header, ...rows] = csv.trim().split('\n');
    expect(header!.split(',')[0]).toBe('project');
    expect(rows.some((row) => row.startsWith('client-costs,'))).toBe(true);
  });

  it('sets, reads, lists and deletes a budget; a job over it is a BudgetExceededError with the numbers', async () => {
    const set = await admin.budgets.set('client-budget', { monthly_usd: '0.000001' });
    expect(set).toMatchObject({ project: 'client-budget', monthly_usd: '0.000001' });
    expect(await admin.budgets.get('client-budget')).toMatchObject({ monthly_usd: '0.000001' });
    expect((await admin.budgets.list()).budgets.map((b) => b.project)).toContain('client-budget');

    const refused = await admin.submit(chatJob('client-budget')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    const details = (refused as BudgetExceededError).details;
    expect(details).toMatchObject({
      reason: 'over_budget',
      project: 'client-budget',
      budget: { monthly_usd: '0.000001000000', remaining_usd: expect.any(String) },
      job: { requests: 3, worst_case_batch_usd: expect.any(String) },
    });

    await admin.budgets.delete('client-budget');
    await expect(admin.budgets.get('client-budget')).rejects.toBeInstanceOf(NotFoundError);
    expect((await admin.submit(chatJob('client-budget'))).status).toBe('queued');
  });

  it('creates, lists and revokes keys; a revoked key is an AuthenticationError', async () => {
    const created = await admin.keys.create({
      name: 'client member',
      projects: ['client-keys'],
      role: 'member',
    });
    expect(created).toMatchObject({ name: 'client member', projects: ['client-keys'], role: 'member' });
    expect(created.key).toMatch(/^trk_/);
    expect((await admin.keys.list()).keys.map((k) => k.id)).toContain(created.id);

    const member = clientWith({ apiKey: created.key });
    expect(await member.me()).toEqual({
      key_id: created.id,
      name: 'client member',
      role: 'member',
      projects: ['client-keys'],
    });
    await admin.keys.revoke(created.id);
    const refused = await member.me().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect(refused).toMatchObject({ status: 401, type: 'unauthorized' });
    await expect(clientWith({}).get(randomUUID())).rejects.toBeInstanceOf(AuthenticationError);
  });

  it("rotates a project's webhook secret and answers the health", async () => {
    const rotated = await admin.rotateWebhookSecret('client-hooks');
    expect(rotated).toMatchObject({ project: 'client-hooks', rotated_at: expect.any(String) });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(await admin.health()).toMatchObject({ status: 'ok', postgres: 'ok', redis: 'ok' });
  });
});

describe('typed errors', () => {
  it('400: a ValidationError naming each field, and the query parameter of a cost query', async () => {
    const job = chatJob('client-invalid', [{ prompt: 'a', messages: [{ role: 'user', content: 'b' }] }]);
    const refused = await admin.submit(job).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ status: 400, type: 'invalid_job' });
    expect((refused as ValidationError).problems.map((p) => p.field)).toEqual(['inputs[0].prompt']);

    const query = await admin.costs({ window: 'a fortnight' }).catch((e: unknown) => e);
    expect(query).toBeInstanceOf(ValidationError);
    expect(query).toMatchObject({ type: 'invalid_query', parameter: 'window' });
  });

  it('403: a PermissionError for a viewer submit, and naming the field for another project', async () => {
    const viewerKey = await admin.keys.create({ name: 'viewer', projects: ['client-perm'], role: 'viewer' });
    const memberKey = await admin.keys.create({ name: 'member', projects: ['client-perm'], role: 'member' });
    const viewer = clientWith({ apiKey: viewerKey.key });
    const member = clientWith({ apiKey: memberKey.key });

    const asViewer = await viewer.submit(chatJob('client-perm')).catch((e: unknown) => e);
    expect(asViewer).toBeInstanceOf(PermissionError);
    expect(asViewer).toMatchObject({ status: 403, type: 'forbidden' });
    const elsewhere = await member.submit(chatJob('someone-else')).catch((e: unknown) => e);
    expect(elsewhere).toBeInstanceOf(PermissionError);
    expect(elsewhere).toMatchObject({ field: 'metadata.project' });
    await expect(member.keys.list()).rejects.toBeInstanceOf(PermissionError);
  });

  it("404: a NotFoundError for an unknown job, and for another project's", async () => {
    await expect(admin.get(randomUUID())).rejects.toMatchObject({ status: 404, type: 'not_found' });
    const theirs = await admin.submit(chatJob('client-not-mine'));
    const key = await admin.keys.create({ name: 'outsider', projects: ['client-mine'], role: 'member' });
    const outsider = clientWith({ apiKey: key.key });
    await expect(outsider.get(theirs.job_id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(collect(outsider.results(theirs.job_id))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('422: an IdempotencyKeyReusedError for one key with two bodies; the same body replays the job', async () => {
    const idempotencyKey = `client-${randomUUID()}`;
    const first = await admin.submit(chatJob('client-idem'), { idempotencyKey });
    const replayed = await admin.submit(chatJob('client-idem'), { idempotencyKey });
    expect(replayed).toEqual(first);
    const reused = await admin
      .submit(chatJob('client-idem', chatInputs(2)), { idempotencyKey })
      .catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(reused).toMatchObject({ status: 422, type: 'idempotency_key_reused' });
    expect(reused).toBeInstanceOf(TrancheError);
  });
});

describe('broken connections', () => {
  /** A fetch that lets the first POST reach the API, and then loses its answer, as a dropped connection would. */
  function losingFirstAnswer(sent: Array<string | undefined>): FetchLike {
    let lost = false;
    return async (url, init) => {
      if (init.method === 'POST') sent.push((init.headers as Record<string, string>)['idempotency-key']);
      const response = await fetch(url, init);
      if (init.method !== 'POST' || lost) return response;
      lost = true;
      await response.arrayBuffer();
      throw new TypeError('fetch failed', { cause: new Error('other side closed') });
    };
  }

  it('retries a submit whose answer was lost with the same Idempotency-Key: one job, JSON or streamed', async () => {
    for (const inputs of [
      chatInputs(3),
      () =>
        (async function* () {
          yield* chatInputs(3);
        })(),
    ]) {
      const sent: Array<string | undefined> = [];
      const client = clientWith({ apiKey: ADMIN_KEY, fetch: losingFirstAnswer(sent) });
      const runId = `retry-${randomUUID().slice(0, 8)}`;
      const job = {
        ...chatJob('client-retry', inputs),
        metadata: { project: 'client-retry', owner: 'o', run_id: runId },
      };

      const submitted = await client.submit(job);
      expect(sent).toHaveLength(2);
      expect(sent[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(sent[1]).toBe(sent[0]);
      expect(submitted).toMatchObject({ run_id: runId, inputs: 3 });
      expect(await jobsOfRun(runId)).toBe(1);
    }
  });

  it('streams an array of over 1 MiB as one JSON body, reporting the upload, and sends it again after a lost answer', async () => {
    const inputs = Array.from({ length: 200 }, (_, i) => ({
      id: `big-${i}`,
      prompt: `${i}: ${'x'.repeat(8 * 1024)}`,
    }));
    const sent: Array<string | undefined> = [];
    const bodies: string[] = [];
    const losing = losingFirstAnswer(sent);
    const client = clientWith({
      apiKey: ADMIN_KEY,
      fetch: (url, init) => {
        if (init.method === 'POST') bodies.push(init.body instanceof ReadableStream ? 'stream' : 'bytes');
        return losing(url, init);
      },
    });
    const uploads: UploadProgress[] = [];
    const runId = `big-${randomUUID().slice(0, 8)}`;
    const job = {
      ...chatJob('client-big', inputs),
      metadata: { project: 'client-big', owner: 'o', run_id: runId },
    };
    const submitted = await client.submit(job, { onUpload: (p) => uploads.push(p) });
    expect(submitted).toMatchObject({ run_id: runId, inputs: 200, to_send: 200 });
    expect(bodies).toEqual(['stream', 'stream']);
    expect(sent[1]).toBe(sent[0]);
    expect(await jobsOfRun(runId)).toBe(1);
    // Chunk by chunk, as it was sent: the last covers every input (of each attempt).
    expect(uploads.length).toBeGreaterThan(4);
    expect(uploads.at(-1)).toEqual({ inputs: 200, bytes: expect.any(Number) });
    expect(uploads.at(-1)!.bytes).toBeGreaterThan(200 * 8 * 1024);
    // A small array still goes as one body with its length.
    bodies.length = 0;
    await client.submit(chatJob('client-big'));
    expect(bodies).toEqual(['bytes']);
  });

  it('does not retry a submit whose inputs cannot be read again, nor one sent without a key', async () => {
    for (const [inputs, idempotencyKey] of [
      [new Set(chatInputs(2)), undefined],
      [chatInputs(2), false],
    ] as const) {
      const sent: Array<string | undefined> = [];
      const client = clientWith({ apiKey: ADMIN_KEY, fetch: losingFirstAnswer(sent) });
      const runId = `once-${randomUUID().slice(0, 8)}`;
      const job = {
        ...chatJob('client-retry', inputs),
        metadata: { project: 'client-retry', owner: 'o', run_id: runId },
      };
      const error = await client.submit(job, { idempotencyKey }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toContain('other side closed');
      expect(sent).toHaveLength(1);
      expect(await jobsOfRun(runId)).toBe(1);
    }
  });

  it('detects a results stream that was cut, mid-line or by a broken connection', async () => {
    const submitted = await admin.submit(chatJob('client-cut', chatInputs(5)));
    await waitFast(submitted.job_id);
    /** The real answer's headers, and its body cut in the middle of its third line: ended there, or broken. */
    const cutting =
      (how: 'end' | 'break'): FetchLike =>
      async (url, init) => {
        const response = await fetch(url, init);
        if (!url.endsWith('/results')) return response;
        const whole = new Uint8Array(await response.arrayBuffer());
        const twoLinesAndABit = whole.indexOf(10, whole.indexOf(10) + 1) + 20;
        let sent = false;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (!sent) {
              sent = true;
              controller.enqueue(whole.slice(0, twoLinesAndABit));
            } else if (how === 'end') controller.close();
            else controller.error(new TypeError('terminated'));
          },
        });
        return new Response(body, { status: response.status, headers: response.headers });
      };

    for (const how of ['end', 'break'] as const) {
      const client = clientWith({ apiKey: ADMIN_KEY, fetch: cutting(how) });
      const read: JobResult[] = [];
      const error = await (async () => {
        for await (const result of client.results(submitted.job_id)) read.push(result);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IncompleteResultsError);
      expect(error).toMatchObject({ expected: 5, received: 2, type: 'incomplete_results' });
      expect(read.map((r) => r.id)).toEqual(['in-0', 'in-1']);
    }
  });
});
