import { jobFailuresSchema, jobListSchema } from '@tranche/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../test-support/api-app';

const ADMIN_KEY = 'admin-key-for-the-job-pages-routes';
let api: TestApi;
let viewerOfA: string;

// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely here
async function get(path: string, key = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const response = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: await response.json() };
}

async function submit(project: string, provider: string, runId: string): Promise<string> {
  const response = await fetch(`${api.url}/v1/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      provider,
      model: provider === 'openai' ? 'gpt-4o-mini' : 'claude-haiku-4-5',
      metadata: { project, owner: 'pages', run_id: runId },
      inputs: [
        { id: 'a', prompt: 'one' },
        { id: 'b', prompt: 'two' },
        { prompt: 'one', id: 'c' },
      ],
    }),
  });
  if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { job_id: string }).job_id;
}

/** Fails two of the job's requests for good, as a fetched batch would. */
async function failTwo(jobId: string) {
  await api.sql`
    update inputs set state = 'failed',
      last_error = jsonb_build_object('type', 'server_error', 'code', null, 'message', 'provider said 500 for ' || caller_id, 'retryable', true)
    where job_id = ${jobId} and caller_id in ('a', 'b')`;
}

let a1: string;
let a2: string;
let b1: string;

beforeAll(async () => {
  api = await startTestApi({ adminKeys: [ADMIN_KEY] });
  const created = await fetch(`${api.url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'viewer of A', projects: ['A'], role: 'viewer' }),
  });
  viewerOfA = ((await created.json()) as { key: string }).key;
  a1 = await submit('A', 'openai', 'run-1');
  a2 = await submit('A', 'anthropic', 'run-2');
  b1 = await submit('B', 'openai', 'run-1');
  await failTwo(a2);
  await api.sql`update jobs set status = 'completed_with_failures', finished_at = now() where id = ${a2}`;
});

afterAll(async () => {
  await api?.close();
});

describe('GET /v1/jobs', () => {
  it("lists the key's jobs newest first, each counted as its job view counts it", async () => {
    const { status, body } = await get('/v1/jobs');
    expect(status).toBe(200);
    expect(jobListSchema.parse(body)).toEqual(body);
    expect(body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([b1, a2, a1]);
    const view = (await get(`/v1/jobs/${a2}`)).body;
    expect(body.jobs[1]).toMatchObject({
      status: 'completed_with_failures',
      provider: 'anthropic',
      metadata: { project: 'A', owner: 'pages', run_id: 'run-2' },
      inputs: view.reconciliation.inputs,
      succeeded: view.reconciliation.succeeded,
      failed: view.reconciliation.failed,
      pending: view.reconciliation.pending,
      cost_usd: view.cost.cost_usd,
      created_at: view.created_at,
      finished_at: view.finished_at,
      blocked: null,
    });
    expect(body.jobs[1]).toMatchObject({ inputs: 3, failed: 2, pending: 0 });
    expect(body.next_cursor).toBeNull();
  });

  it('filters by project, statuses, provider and run id, and pages with the cursor', async () => {
    const ids = async (query: string, key?: string) =>
      (await get(`/v1/jobs?${query}`, key)).body.jobs.map((j: { job_id: string }) => j.job_id);
    expect(await ids('project=A')).toEqual([a2, a1]);
    expect(await ids('status=queued,completed_with_failures')).toEqual([b1, a2, a1]);
    expect(await ids('status=completed_with_failures')).toEqual([a2]);
    expect(await ids('provider=openai')).toEqual([b1, a1]);
    expect(await ids('run_id=run-1&project=B')).toEqual([b1]);
    // A viewer of A sees A's jobs only, even when it asks for B's.
    expect(await ids('', viewerOfA)).toEqual([a2, a1]);
    expect(await ids('project=B', viewerOfA)).toEqual([]);

    const first = (await get('/v1/jobs?limit=2')).body;
    expect(first.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([b1, a2]);
    const second = (await get(`/v1/jobs?limit=2&cursor=${encodeURIComponent(first.next_cursor)}`)).body;
    expect(second).toMatchObject({ jobs: [{ job_id: a1 }], next_cursor: null });
  });

  it('refuses a bad parameter with a 400 invalid_query that names it', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['status=running,done', 'status', /unknown status "done"/],
      ['status=', 'status', /no status/],
      ['limit=0', 'limit', /1 to 200/],
      ['limit=201', 'limit', /1 to 200/],
      ['limit=ten', 'limit', /1 to 200/],
      ['provider=cohere', 'provider', /openai/],
      ['project=A&project=B', 'project', /once/],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor', /next_cursor/],
      ['state=running', 'state', /unknown parameter/],
    ];
    for (const [query, parameter, message] of cases) {
      const { status, body } = await get(`/v1/jobs?${query}`);
      expect({ query, status, type: body.error?.type, parameter: body.error?.parameter }).toEqual({
        query,
        status: 400,
        type: 'invalid_query',
        parameter,
      });
      expect(body.error.message).toMatch(message);
    }
  });
});

describe('GET /v1/jobs/:id/failures', () => {
  it('groups the failures by reason with examples that carry the input’s own id', async () => {
    const { status, body } = await get(`/v1/jobs/${a2}/failures?examples=1`);
    expect(status).toBe(200);
    expect(jobFailuresSchema.parse(body)).toEqual(body);
    expect(body).toEqual({
      job_id: a2,
      failed: 2,
      reasons: [
        {
          reason: 'server_error',
          count: 2,
          examples: [{ custom_id: expect.any(String), input_id: 'a', error: 'provider said 500 for a' }],
        },
      ],
    });
    expect((await get(`/v1/jobs/${a2}/failures`)).body.reasons[0].examples).toHaveLength(2);
    expect((await get(`/v1/jobs/${a1}/failures`)).body).toEqual({ job_id: a1, failed: 0, reasons: [] });
    expect((await get(`/v1/jobs/${a2}/failures?examples=21`)).body.error.parameter).toBe('examples');
  });

  it("answers another project's job exactly as one that does not exist", async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const foreign = await get(`/v1/jobs/${b1}/failures`, viewerOfA);
    const none = await get(`/v1/jobs/${missing}/failures`, viewerOfA);
    expect([foreign.status, none.status]).toEqual([404, 404]);
    expect(foreign.body.error.message.replace(b1, 'ID')).toEqual(
      none.body.error.message.replace(missing, 'ID'),
    );
    expect(foreign.body).toEqual((await get(`/v1/jobs/${b1}`, viewerOfA)).body);
  });
});
