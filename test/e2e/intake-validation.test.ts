import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/api-client';
import { chatJob } from '../support/jobs';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;

/** Every Redis key of this stack's queues except the queues' own metadata. */
async function queuedWork(s: Stack): Promise<string[]> {
  const keys = await s.redis.keys(`${s.prefix}:*`);
  return keys.filter((key) => !key.endsWith(':meta'));
}

/** Rows of jobs and inputs, and this stack's queued work: what "writing nothing" compares. */
async function footprint(s: Stack) {
  const [rows] = await s.sql<{ jobs: number; inputs: number }[]>`
    select (select count(*)::int from jobs) as jobs, (select count(*)::int from inputs) as inputs`;
  return { ...rows, queued: (await queuedWork(s)).sort() };
}

beforeAll(async () => {
  stack = await startStack({ name: 'intake', workers: 0 });
});
afterAll(async () => {
  await stack?.stop();
});

const base = () => chatJob(3);
const big = 'x'.repeat(210 * 1024 * 1024);

// Each bad job, and a field its 400 must name.
const badJobs: Array<[string, () => unknown, string]> = [
  ['no inputs at all', () => ({ ...base(), inputs: undefined }), 'inputs: required'],
  ['empty inputs', () => ({ ...base(), inputs: [] }), 'inputs'],
  [
    'an input with neither prompt nor messages',
    () => ({ ...base(), inputs: [...base().inputs, ...Array(9).fill({ prompt: 'ok' }), { id: 'x' }] }),
    'inputs[12].messages: required',
  ],
  ['unknown provider', () => ({ ...base(), provider: 'cohere' }), 'provider'],
  ['missing model', () => ({ ...base(), model: undefined }), 'model: required'],
  ['empty model', () => ({ ...base(), model: '  ' }), 'model'],
  ['missing metadata', () => ({ ...base(), metadata: undefined }), 'metadata: required'],
  ['missing project', () => ({ ...base(), metadata: { owner: 'x' } }), 'metadata.project: required'],
  ['missing owner', () => ({ ...base(), metadata: { project: 'x' } }), 'metadata.owner: required'],
  [
    'run_id with capitals',
    () => ({ ...base(), metadata: { project: 'p', owner: 'o', run_id: 'Nightly' } }),
    'metadata.run_id',
  ],
  [
    'a message with a bad role',
    () => ({ ...base(), inputs: [{ messages: [{ role: 'robot', content: 'hi' }] }] }),
    'inputs[0].messages[0].role',
  ],
  [
    'a message without content',
    () => ({ ...base(), inputs: [{ messages: [{ role: 'user' }] }] }),
    'inputs[0].messages[0].content: required',
  ],
  [
    'both prompt and messages',
    () => ({ ...base(), inputs: [{ prompt: 'a', messages: [{ role: 'user', content: 'b' }] }] }),
    'inputs[0].prompt',
  ],
  [
    'temperature out of range',
    () => ({ ...base(), inputs: [{ prompt: 'a', params: { temperature: 7 } }] }),
    'inputs[0].params.temperature',
  ],
  [
    'max_tokens not an integer',
    () => ({ ...base(), inputs: [{ prompt: 'a', params: { max_tokens: 1.5 } }] }),
    'inputs[0].params.max_tokens',
  ],
  [
    'an unknown field on an input',
    () => ({ ...base(), inputs: [{ prompt: 'a', temprature: 1 }] }),
    'inputs[0]: unknown field(s): temprature',
  ],
  ['max_attempts of zero', () => ({ ...base(), options: { max_attempts: 0 } }), 'options.max_attempts'],
  ['a negative timeout', () => ({ ...base(), options: { timeout_h: -1 } }), 'options.timeout_h'],
  [
    'embeddings on anthropic',
    () => ({ ...base(), provider: 'anthropic', kind: 'embedding', inputs: [{ text: 'a' }] }),
    'kind: anthropic has no embedding batch API',
  ],
  [
    'an embedding input without text',
    () => ({ ...base(), kind: 'embedding', inputs: [{ prompt: 'a' }] }),
    'inputs[0].text: required',
  ],
  [
    'an output schema whose root is not an object',
    () => ({ ...base(), output: { schema: { type: 'array' } } }),
    'output.schema.type',
  ],
  [
    'temperature on anthropic',
    () => ({
      ...base(),
      provider: 'anthropic',
      model: 'claude-sonnet-4-5',
      inputs: [{ prompt: 'a', params: { temperature: 0.2 } }],
    }),
    "inputs[0].params.temperature: anthropic's current API does not take temperature",
  ],
  [
    'an input over the provider batch limit',
    () => ({ ...base(), inputs: [{ prompt: 'ok' }, { prompt: big }] }),
    'inputs[1]',
  ],
];

describe('POST /v1/jobs with a bad job', () => {
  it.each(badJobs)('rejects %s with 400 naming the field, writing nothing', async (_name, make, expected) => {
    const before = await footprint(stack);
    const { status, body } = await call(stack.apiUrl, 'POST', '/v1/jobs', make());
    expect(status).toBe(400);
    expect(body.error.type).toBe('invalid_job');
    expect(body.error.message).toContain(expected);
    expect(await footprint(stack)).toEqual(before);
  });

  it('rejects a body that is not JSON', async () => {
    const { status, body } = await call(stack.apiUrl, 'POST', '/v1/jobs', '{"provider": ');
    expect(status).toBe(400);
    expect(body.error.type).toBe('invalid_json');
  });

  it('names every offending field at once', async () => {
    const job = {
      ...base(),
      model: undefined,
      inputs: [{ prompt: 'a' }, {}, { prompt: 'b', params: { top_p: 3 } }],
    };
    const { status, body } = await call(stack.apiUrl, 'POST', '/v1/jobs', job);
    expect(status).toBe(400);
    const fields = body.error.problems.map((p: { field: string }) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['model', 'inputs[2].params.top_p']));
  });

  it('accepts a good job, collapses duplicates and queues its submission', async () => {
    const job = chatJob(4, {}, (i) => ({
      id: `d${i}`,
      prompt: i === 3 ? 'Summarise document number 0.' : `Summarise document number ${i}.`,
    }));
    const { status, body } = await call(stack.apiUrl, 'POST', '/v1/jobs', job);
    expect(status).toBe(202);
    expect(body).toMatchObject({ status: 'queued', inputs: 4, duplicates: 1, skipped_done: 0, to_send: 3 });
    const [rows] = await stack.sql<
      { inputs: number }[]
    >`select count(*)::int as inputs from inputs where job_id = ${body.job_id}`;
    expect(rows?.inputs).toBe(3);
    expect(await stack.redis.exists(`${stack.prefix}:submit:submit_${body.job_id}_r0`)).toBe(1);
  });

  it('takes a job as NDJSON, one input per line, streamed', async () => {
    const { inputs, ...header } = chatJob(500);
    const body = [JSON.stringify(header), ...inputs.map((i) => JSON.stringify(i))].join('\n');
    const response = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body,
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { job_id: string };
    expect(accepted).toMatchObject({ status: 'queued', inputs: 500, to_send: 500 });
    const [rows] = await stack.sql<
      { n: number }[]
    >`select count(*)::int as n from inputs where job_id = ${accepted.job_id}`;
    expect(rows?.n).toBe(500);
  });

  it('rejects an NDJSON job with a bad line, naming it, and writes nothing of it', async () => {
    const { inputs, ...header } = chatJob(6);
    const lines = [JSON.stringify(header), ...inputs.map((i) => JSON.stringify(i))];
    lines[4] = '{"prompt": "unterminated';
    lines[6] = JSON.stringify({ prompt: 'x', params: { max_tokens: 0 } });
    const [before] = await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    const response = await fetch(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: lines.join('\n'),
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toContain('inputs[3]: this line is not valid JSON');
    expect(error.message).toContain('inputs[5].params.max_tokens');
    const [after] = await stack.sql<{ n: number }[]>`select count(*)::int as n from jobs`;
    expect(after?.n).toBe(before?.n);
  });
});
