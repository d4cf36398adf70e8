import { randomUUID } from 'node:crypto';
import {
  type ApiErrorBody,
  BudgetExceededError,
  type BudgetInput,
  type JobToSubmit,
  NotFoundError,
  type TrancheClient,
  TrancheError,
  ValidationError,
} from '@tranche/client';
import { loadPriceTable } from '@tranche/pricing';
import {
  BatchClient,
  JobValidationError,
  RequestValidationError,
  BudgetExceededError as SdkBudgetExceededError,
} from '@tranche/producer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from '../support/client';
import { REDIS_URL, type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

let stack: Stack;
/** The producer SDK (Postgres and Redis directly). */
let client: BatchClient;
/** The HTTP API. */
let api: TrancheClient;

// Provider batches of at most 4 requests, for the API's dry runs and the workers alike.
const CHUNK_MAX_REQUESTS = 4;

beforeAll(async () => {
  // No worker until the last test: jobs stay where intake left them, so budgets add up to known figures.
  stack = await startStack({
    name: 'budgets',
    workers: 0,
    env: { CHUNK_MAX_REQUESTS: String(CHUNK_MAX_REQUESTS) },
  });
  api = clientFor(stack);
  client = new BatchClient({
    databaseUrl: stack.db.url,
    redisUrl: REDIS_URL,
    queuePrefix: stack.prefix,
    chunkMaxRequests: CHUNK_MAX_REQUESTS,
  });
});
afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

/** Rows of every table and this stack's queued work: what "nothing was written or queued" compares. */
async function footprint() {
  const [rows] = await stack.sql<Record<string, number>[]>`
    select (select count(*)::int from jobs) as jobs, (select count(*)::int from inputs) as inputs,
           (select count(*)::int from results) as results,
           (select count(*)::int from provider_batches) as batches,
           (select count(*)::int from budgets) as budgets, (select count(*)::int from alerts) as alerts`;
  const keys = await stack.redis.keys(`${stack.prefix}:*`);
  return { ...rows, queued: keys.filter((key) => !key.endsWith(':meta')).sort() };
}

const ndjson = (job: { inputs: unknown[] } & Record<string, unknown>) => {
  const { inputs, ...header } = job;
  return [JSON.stringify(header), ...inputs.map((input) => JSON.stringify(input))].join('\n');
};

async function postNdjson(path: string, body: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body,
  });
  return { status: response.status, body: await response.json() };
}

const K = 'Summarise the attached contract in three bullet points, naming the parties and the term.';
// gpt-tokenizer's o200k_base counts (packages/pricing/src/estimate-tokens.test.ts checks the estimator against
// the library itself): K is 18 tokens, `Contract <digit>: K` 22, the system prompt 8.
const K_TOKENS = 18;
const CONTRACT_TOKENS = 22;
const SYSTEM_TOKENS = 8;
// OpenAI's chat format: 3 tokens per message plus 1 for its role, 3 to prime the reply.
const chatTokens = (...contents: number[]) => 3 + contents.reduce((sum, n) => sum + 3 + 1 + n, 0);

/** Ten inputs, one repeated: nine distinct requests, eight with the default max_tokens of 200, one with 50. */
function openAiJob(project = 'dry') {
  return {
    provider: 'openai' as const,
    model: 'gpt-4o-mini',
    defaults: { system: 'You are a careful paralegal.', params: { max_tokens: 200 } },
    inputs: [
      { id: 'k', prompt: K },
      ...Array.from({ length: 7 }, (_, i) => ({ id: `c${i + 1}`, prompt: `Contract ${i + 1}: ${K}` })),
      { id: 'c8', prompt: `Contract 8: ${K}`, params: { max_tokens: 50 } },
      { id: 'again', prompt: `Contract 1: ${K}` },
    ],
    metadata: { project, owner: 'tests' },
  };
}

/** `count` distinct 40-byte prompts for Anthropic (the approximation: 10 tokens each, plus 7 of chat format). */
function anthropicJob(project: string, count: number, maxTokens: number | undefined, tag = 'a') {
  return {
    provider: 'anthropic' as const,
    model: 'claude-haiku-4-5',
    ...(maxTokens === undefined ? {} : { defaults: { params: { max_tokens: maxTokens } } }),
    inputs: Array.from({ length: count }, (_, i) => ({
      prompt: `${tag}-ticket ${String(i).padStart(5, '0')}: `.padEnd(40, 'x'),
    })),
    metadata: { project, owner: 'tests' },
  };
}

/** Picodollars as `0.000000000000`, to compare with the API's decimal strings. */
const usd = (pico: bigint) => {
  const digits = pico.toString().padStart(13, '0');
  return `${digits.slice(0, -12)}.${digits.slice(-12)}`;
};

/** The HTTP dry run of a job: what the tests compare other answers (NDJSON, the SDK, a submit, a plan) with. */
const dryRun = (job: JobToSubmit) => api.estimate(job);

/** What a call that the API refused threw (the test fails when it was not refused). */
async function refusal(call: Promise<unknown>): Promise<TrancheError> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(TrancheError);
  return outcome as TrancheError;
}

describe('POST /v1/jobs?dry_run=true', () => {
  it("estimates OpenAI tokens with the model's tokenizer, prices the worst case and plans chunks, writing and queueing nothing", async () => {
    const before = await footprint();
    const body = await dryRun(openAiJob());
    expect(body).toMatchObject({
      dry_run: true,
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputs: 10,
      distinct_inputs: 9,
      duplicates: 1,
      skipped_done: 0,
      to_send: 9,
      tokenizer: 'o200k_base',
      per_input_truncated: false,
      budget: null,
    });
    const first = chatTokens(SYSTEM_TOKENS, K_TOKENS);
    const contract = chatTokens(SYSTEM_TOKENS, CONTRACT_TOKENS);
    expect(body.per_input).toEqual([
      { index: 0, id: 'k', input_tokens: first, max_output_tokens: 200 },
      ...Array.from({ length: 7 }, (_, i) => ({
        index: i + 1,
        id: `c${i + 1}`,
        input_tokens: contract,
        max_output_tokens: 200,
      })),
      { index: 8, id: 'c8', input_tokens: contract, max_output_tokens: 50 },
    ]);
    const inputTokens = first + 8 * contract;
    const outputTokens = 8 * 200 + 50;
    expect(body.tokens).toEqual({ input: inputTokens, max_output: outputTokens });

    // By hand: the table's sync rates per million tokens, halved for batch.
    const table = loadPriceTable();
    const rates = table.providers.openai!.models['gpt-4o-mini']!;
    expect(table.providers.openai!.batch_discount).toBe(0.5);
    const inputPico = BigInt(inputTokens) * BigInt(Math.round(rates.input * 1e6));
    const outputPico = BigInt(outputTokens) * BigInt(Math.round(rates.output! * 1e6));
    expect(body.cost).toEqual({
      priced: true,
      price_version: table.version,
      input_batch_usd: usd(inputPico / 2n),
      worst_case_batch_usd: usd((inputPico + outputPico) / 2n),
      worst_case_sync_usd: usd(inputPico + outputPico),
      worst_case_savings_usd: usd((inputPico + outputPico) / 2n),
    });
    expect(body.chunks.map((c) => c.requests)).toEqual([4, 4, 1]);
    expect(body.chunk_limits).toEqual({ max_requests: CHUNK_MAX_REQUESTS, max_bytes: 100 * 1024 * 1024 });
    expect(await footprint()).toEqual(before);
  });

  it('answers an NDJSON body exactly as the same job in JSON', async () => {
    const before = await footprint();
    const json = await dryRun(openAiJob());
    expect(json.to_send).toBe(9);
    const { status, body } = await postNdjson('/v1/jobs?dry_run=true', ndjson(openAiJob()));
    expect(status).toBe(200);
    expect(body).toEqual(json);
    expect(await footprint()).toEqual(before);
  });

  it('refuses an invalid job with the same 400 as a submit, JSON or NDJSON', async () => {
    const bad = {
      ...openAiJob(),
      inputs: [{ prompt: 'ok' }, { prompt: 'x', params: { max_tokens: 0 } }, {}],
    };
    const before = await footprint();
    const dry = await refusal(api.estimate(bad));
    const real = await refusal(api.submit(bad));
    expect(dry).toBeInstanceOf(ValidationError);
    expect(dry.body).toEqual(real.body);
    expect(dry.message).toContain('inputs[1].params.max_tokens');
    const dryNdjson = await postNdjson('/v1/jobs?dry_run=true', ndjson(bad));
    expect(dryNdjson).toEqual({ status: 400, body: real.body });
    // A flag the client never sends: the API's own parsing of it.
    const badFlag = await fetch(`${stack.apiUrl}/v1/jobs?dry_run=maybe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(openAiJob()),
    });
    expect(badFlag.status).toBe(400);
    expect(await badFlag.json()).toMatchObject({
      error: { problems: [{ field: 'dry_run', message: 'must be true or false' }] },
    });
    expect(await footprint()).toEqual(before);
  });

  it("approximates other providers' tokens (UTF-8 bytes / 4, plus the chat format) and assumes their default max_tokens", async () => {
    const job = anthropicJob('dry', 2, undefined);
    const body = await dryRun({ ...job, defaults: { system: 'Be brief.' } });
    expect(body.tokenizer).toBe('approximation');
    // "Be brief." is 9 bytes (3 tokens), each prompt 40 (10): 3 + (4 + 3) + (4 + 10).
    expect(body.per_input.map((p) => p.input_tokens)).toEqual([24, 24]);
    expect(body.per_input.map((p) => p.max_output_tokens)).toEqual([1024, 1024]);
    expect(body.max_output_default).toEqual({
      tokens: 1024,
      source: "Tranche's default max_tokens for Anthropic",
      inputs_without_max_tokens: 2,
    });
  });
});

describe('budgets', () => {
  it('PUT, GET and DELETE /v1/budgets validate their input and name the field', async () => {
    // Bodies the API must refuse, sent as they are.
    const put = (project: string, body: object) => api.budgets.set(project, body as BudgetInput);
    for (const bad of [
      {},
      { monthly_usd: -5 },
      { monthly_usd: 0 },
      { monthly_usd: 'ten' },
      { monthly_usd: '1.1234567' },
    ]) {
      await expect(put('tmp', bad)).rejects.toMatchObject({
        status: 400,
        type: 'invalid_request',
        problems: [{ field: 'monthly_usd' }],
        message: expect.stringContaining('monthly_usd: '),
      });
    }
    await expect(put('tmp', { monthly_usd: 5, montly_usd: 6 })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('(body): unknown field(s): montly_usd'),
    });
    const tooLong = await refusal(put('x'.repeat(101), { monthly_usd: 5 }));
    expect((tooLong as ValidationError).problems).toEqual([
      { field: 'project', message: 'must be 1 to 100 characters' },
    ]);
    await expect(api.budgets.get('tmp')).rejects.toBeInstanceOf(NotFoundError);

    const created = await put('tmp', { monthly_usd: '100.50' });
    expect(created).toMatchObject({ project: 'tmp', monthly_usd: '100.500000' });
    expect(created.status).toMatchObject({
      spent_usd: '0.000000000000',
      remaining_usd: '100.500000000000',
    });
    const listed = await api.budgets.list();
    expect(listed.budgets.map((b) => b.project)).toContain('tmp');
    await api.budgets.delete('tmp');
    const gone = await refusal(api.budgets.delete('tmp'));
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone.body).toEqual({ error: { type: 'not_found', message: 'project tmp has no budget' } });

    await expect(client.setBudget('tmp', 'ten')).rejects.toBeInstanceOf(RequestValidationError);
    expect((await client.setBudget('tmp', 7)).monthly_usd).toBe('7.000000');
    expect((await client.getBudget('tmp')).status.remaining_usd).toBe('7.000000000000');
    await client.deleteBudget('tmp');
    expect((await client.listBudgets()).map((b) => b.project)).not.toContain('tmp');
  });

  describe('enforced at submit', () => {
    const month = () => new Date().toISOString().slice(0, 7);

    beforeAll(async () => {
      expect(loadPriceTable().providers.anthropic!.models['claude-haiku-4-5']).toMatchObject({
        input: 1,
        output: 5,
      });
      // acme this month: $2.00 spent by a finished job (its $10.00 of last month does not count), and a running
      // job whose worst case is $1.50 with $0.50 of results back: spent $2.50, reserved $1.00, committed $3.50.
      const finished = randomUUID();
      const running = randomUUID();
      for (const [id, status, worst] of [
        [finished, 'completed', '20'],
        [running, 'running', '1.5'],
      ] as const) {
        await stack.sql`
          insert into jobs (id, status, provider, model, kind, spec, project, owner, run_id, max_attempts,
                            poll_interval_s, input_count, timeout_at, worst_case_usd)
          values (${id}, ${status}, 'anthropic', 'claude-haiku-4-5', 'chat', '{}', 'acme', 'tests',
                  ${`run-${id.slice(0, 8)}`}, 3, 300, 2, now() + interval '1 day', ${worst})`;
      }
      const now = new Date();
      const lastMonth = new Date(now.getTime() - 40 * 24 * 3_600_000);
      for (const [job, cost, when] of [
        [finished, '2', now],
        [finished, '10', lastMonth],
        [running, '0.5', now],
      ] as const) {
        await stack.sql`
          insert into results (custom_id, job_id, status, cost_usd, sync_cost_usd, price_version, attempts,
                               created_at)
          values (${randomUUID()}, ${job}, 'succeeded', ${cost}, ${cost}, 'test', 1, ${when})`;
      }
      await api.budgets.set('acme', { monthly_usd: 5 });
    });

    it('refuses a job whose worst case would take the project past its budget, with the numbers, leaving nothing behind', async () => {
      const before = await footprint();
      // Each input: 17 tokens at $0.50/M plus 1,000 at $2.50/M (batch) = $0.0025085; 1,000 of them $2.5085.
      const job = anthropicJob('acme', 1000, 1000);
      const refused = await refusal(api.submit(job));
      expect(refused).toBeInstanceOf(BudgetExceededError);
      const { type, details, body } = refused as BudgetExceededError;
      const { message } = (body as ApiErrorBody).error;
      expect(type).toBe('budget_exceeded');
      expect(message).toBe(
        'project acme: this job can cost up to $2.51 at batch rates (1,000 inputs, 17,000 input tokens ' +
          `estimated, max_tokens 1,000); $3.50 of the $5.00 monthly budget for ${month()} is already committed ` +
          '($2.50 spent, $1.00 reserved by running jobs); $1.50 remains: the job is refused (send fewer inputs, ' +
          'lower max_tokens, or raise the budget with PUT /v1/budgets/acme)',
      );
      expect(details).toMatchObject({
        reason: 'over_budget',
        budget: {
          monthly_usd: '5.000000000000',
          spent_usd: '2.500000000000',
          reserved_usd: '1.000000000000',
          committed_usd: '3.500000000000',
          remaining_usd: '1.500000000000',
        },
        job: {
          requests: 1000,
          input_tokens: 17_000,
          max_output_tokens: 1_000_000,
          worst_case_batch_usd: '2.508500000000',
        },
      });
      const refusedNdjson = await postNdjson('/v1/jobs', ndjson(job));
      expect(refusedNdjson).toEqual({ status: 402, body });
      // The SDK refuses on the same path, with the same error.
      const sdk = client.submit(job);
      await expect(sdk).rejects.toBeInstanceOf(SdkBudgetExceededError);
      await expect(sdk).rejects.toThrow(message);
      expect(await footprint()).toEqual(before);

      // A dry run says the same before anything is sent.
      const dry = await dryRun(job);
      expect(dry.budget).toMatchObject({
        project: 'acme',
        committed_usd: '3.500000000000',
        fits: false,
      });
      expect(dry.budget?.refusal).toBe(message);
    });

    it('accepts a job that fits, and then counts its worst case as reserved', async () => {
      // 100 inputs: $0.25085.
      const accepted = await api.submit(anthropicJob('acme', 100, 1000, 'fits'));
      const [job] = await stack.sql<{ worst_case_usd: string }[]>`
        select worst_case_usd from jobs where id = ${accepted.job_id}`;
      expect(job?.worst_case_usd).toBe('0.250850000000');
      const budget = await api.budgets.get('acme');
      expect(budget.status).toMatchObject({
        spent_usd: '2.500000000000',
        reserved_usd: '1.250850000000',
        committed_usd: '3.750850000000',
        remaining_usd: '1.249150000000',
      });
    });

    it('lets only one of two concurrent submits through when each fits alone but not both', async () => {
      await api.budgets.set('race', { monthly_usd: '1' });
      // 240 inputs each: $0.60204; one fits under $1.00, two do not.
      const answers = await Promise.allSettled(
        ['left', 'right'].map((tag) => api.submit(anthropicJob('race', 240, 1000, tag))),
      );
      expect(answers.map((a) => a.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refused = answers.find((a) => a.status === 'rejected')?.reason;
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect(refused.message).toContain('$0.60 at batch rates');
      expect(refused.message).toContain('$0.60 of the $1.00 monthly budget');
      const [jobs] = await stack.sql<{ n: number; inputs: number }[]>`
        select count(*)::int as n, (select count(*)::int from inputs i join jobs j on j.id = i.job_id
                                    where j.project = 'race') as inputs
        from jobs where project = 'race'`;
      expect(jobs).toEqual({ n: 1, inputs: 240 });
    });

    it('refuses an unpriced model for a project with a budget, and never refuses a project without one', async () => {
      const job = { ...openAiJob('acme'), model: 'gpt-unpriced-9' };
      const refused = await refusal(api.submit(job));
      expect(refused).toBeInstanceOf(BudgetExceededError);
      expect(refused.message).toContain('openai model gpt-unpriced-9 has no price');
      expect(refused.message).toContain('PRICES_FILE');
      expect((refused as BudgetExceededError).details.reason).toBe('unpriced_model');
      const free = await api.submit({ ...job, metadata: { project: 'free', owner: 'x' } });
      const [row] = await stack.sql<{ worst_case_usd: string | null }[]>`
        select worst_case_usd from jobs where id = ${free.job_id}`;
      expect(row?.worst_case_usd).toBeNull();
    });
  });
});

describe('BatchClient.estimate', () => {
  it('answers as the HTTP dry run does, and refuses a bad job with the same validation error', async () => {
    const http = await dryRun(openAiJob());
    expect(http.to_send).toBe(9);
    expect(await client.estimate(openAiJob())).toEqual(http);
    await expect(client.estimate({ ...openAiJob(), inputs: [{}] } as never)).rejects.toBeInstanceOf(
      JobValidationError,
    );
  });
});

describe('a replay of a run', () => {
  it('stores the worst case a dry run gives, and leaves out what already succeeded in both', async () => {
    // A project with a budget: its submits count tokens with the real tokenizer, as dry runs do.
    await api.budgets.set('replay', { monthly_usd: 1000 });
    const job = { ...openAiJob(), metadata: { project: 'replay', owner: 'tests', run_id: 'replay-run' } };
    const planned = await dryRun(job);
    expect(planned.skipped_done).toBe(0);
    const first = await api.submit(job);
    const [stored] = await stack.sql<{ worst_case_usd: string }[]>`
      select worst_case_usd from jobs where id = ${first.job_id}`;
    expect(stored?.worst_case_usd).toBe(planned.cost.worst_case_batch_usd);
    // The first two distinct requests succeeded in that job: a replay does not send them again.
    const done = await stack.sql<{ custom_id: string }[]>`
      select custom_id from inputs where job_id = ${first.job_id} order by seq limit 2`;
    for (const { custom_id } of done) {
      await stack.sql`
        insert into results (custom_id, job_id, status, attempts) values (${custom_id}, ${first.job_id}, 'succeeded', 1)`;
    }
    const dry = await dryRun(job);
    expect(dry).toMatchObject({ distinct_inputs: 9, skipped_done: 2, to_send: 7 });
    expect(dry.per_input.map((p) => p.index)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(dry.tokens).toEqual({
      input: 7 * chatTokens(SYSTEM_TOKENS, CONTRACT_TOKENS),
      max_output: 6 * 200 + 50,
    });
    expect(dry.chunks.map((c) => c.requests)).toEqual([4, 3]);
    // The first job (no worker here) still has the other 7 in flight: the replay waits for them rather than send
    // them twice. Its worst case still counts them, as the dry run does: it sends them if the first job fails them.
    const second = await api.submit(job);
    expect(second).toMatchObject({ skipped_done: 2, awaiting: 7, to_send: 0 });
    const [replayed] = await stack.sql<{ worst_case_usd: string }[]>`
      select worst_case_usd from jobs where id = ${second.job_id}`;
    expect(replayed?.worst_case_usd).toBe(dry.cost.worst_case_batch_usd);
  });
});

describe('the chunks of a dry run', () => {
  it('are the provider batches the submit worker then plans for the same job', async () => {
    // Uploads hang, so the planned batches keep the sizes the planner gave them (a submit records the file's).
    stack.emulator.setFaults({ delay: [{ provider: 'openai', ms: 120_000 }] });
    const { chunks } = await dryRun(openAiJob('chunks'));
    expect(chunks.map((c) => c.requests)).toEqual([4, 4, 1]);
    const submitted = await api.submit(openAiJob('chunks'));
    // Room for every queued job at once: the earlier OpenAI jobs' stuck uploads must not hold this one back.
    const worker = stack.startWorker({ SUBMIT_CONCURRENCY: '10' });
    const planned = await waitFor(
      'the worker to plan the job',
      async () => {
        const rows = await stack.sql<{ chunk_key: string; request_count: number; bytes: number }[]>`
          select chunk_key, request_count, bytes::float8 as bytes from provider_batches
          where job_id = ${submitted.job_id} and round = 0 and state = 'planned'`;
        return rows.length === chunks.length ? rows : null;
      },
      { timeoutMs: 40_000 },
    );
    const byIndex = planned.sort(
      (a, b) => Number(a.chunk_key.split('_c').pop()) - Number(b.chunk_key.split('_c').pop()),
    );
    // Its uploads are stuck in the emulator: a hard stop, rather than waiting for them to drain.
    await worker.kill('SIGKILL');
    expect(byIndex.map((b) => ({ requests: b.request_count, bytes: b.bytes }))).toEqual(chunks);
  });
});
