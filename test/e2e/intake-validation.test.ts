import { request } from 'node:http';
import type { JobToSubmit } from '@tranche/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from '../support/client';
import { chatJob } from '../support/jobs';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;

// Limits small enough to cross cheaply; the poll floor of a real deployment.
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_INPUTS = 1000;

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
  stack = await startStack({
    name: 'intake',
    workers: 0,
    env: {
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAX_INPUT_BYTES: String(MAX_INPUT_BYTES),
      MAX_INPUTS: String(MAX_INPUTS),
      POLL_INTERVAL_S: '300',
      MIN_POLL_INTERVAL_S: '30',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

const base = () => chatJob(3);
const big = 'x'.repeat(MAX_INPUT_BYTES + 1);
const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';
const withMetadata = (extra: Record<string, unknown>) => ({
  ...base(),
  metadata: { project: 'p', owner: 'o', ...extra },
});
/** A schema `levels` objects deep: properties within properties. */
function deepSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'object' };
  for (let depth = 1; depth < levels; depth += 2) schema = { type: 'object', properties: { n: schema } };
  return schema;
}

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
    'dimensions on a chat input',
    () => ({ ...base(), inputs: [{ prompt: 'a', params: { dimensions: 256 } }] }),
    'inputs[0].params.dimensions: only for embedding jobs',
  ],
  [
    'dimensions of zero on an embedding input',
    () => ({
      ...base(),
      kind: 'embedding',
      model: 'text-embedding-3-small',
      inputs: [{ text: 'a', params: { dimensions: 0 } }],
    }),
    'inputs[0].params.dimensions',
  ],
  [
    'an input of a vertex embedding job with a size of its own',
    () => ({
      ...base(),
      provider: 'vertex',
      kind: 'embedding',
      model: 'text-embedding-005',
      defaults: { params: { dimensions: 256 } },
      inputs: [{ text: 'a' }, { text: 'b', params: { dimensions: 128 } }],
    }),
    'inputs[1].params.dimensions: vertex sets the vector size once per batch job',
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
    'an input over MAX_INPUT_BYTES',
    () => ({ ...base(), inputs: [{ prompt: 'ok' }, { prompt: big }] }),
    'inputs[1]',
  ],
  [
    'a NUL in a prompt',
    () => ({ ...base(), inputs: [{ prompt: `a${NUL}b` }] }),
    'inputs[0].prompt: contains a NUL',
  ],
  [
    'a lone surrogate in a message',
    () => ({ ...base(), inputs: [{ messages: [{ role: 'user', content: `a${LONE_SURROGATE}` }] }] }),
    'inputs[0].messages[0].content: contains a lone surrogate',
  ],
  [
    'a NUL in a system prompt',
    () => ({ ...base(), inputs: [{ prompt: 'a', system: NUL }] }),
    'inputs[0].system: contains a NUL',
  ],
  [
    'a lone surrogate in an embedding text',
    () => ({ ...base(), kind: 'embedding', model: 'text-embedding-3-small', inputs: [{ text: '\udc00' }] }),
    'inputs[0].text: contains a lone surrogate',
  ],
  [
    'a NUL in an input id',
    () => ({ ...base(), inputs: [{ id: `doc${NUL}`, prompt: 'a' }] }),
    'inputs[0].id: contains a NUL',
  ],
  [
    'a NUL in a stop sequence',
    () => ({ ...base(), inputs: [{ prompt: 'a', params: { stop: ['ok', NUL] } }] }),
    'inputs[0].params.stop',
  ],
  [
    'a NUL in the defaults',
    () => ({ ...base(), defaults: { system: `be brief${NUL}` } }),
    'defaults.system: contains a NUL',
  ],
  ['a NUL in the project', () => withMetadata({ project: `p${NUL}` }), 'metadata.project: contains a NUL'],
  [
    'a lone surrogate in a tag',
    () => withMetadata({ tags: { team: `x${LONE_SURROGATE}` } }),
    'metadata.tags.team: contains a lone surrogate',
  ],
  [
    'more than 32 tags',
    () => withMetadata({ tags: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`t${i}`, 'v'])) }),
    'metadata.tags: at most 32 tags',
  ],
  [
    'an output schema over 64 KB',
    () => ({ ...base(), output: { schema: { type: 'object', description: 'x'.repeat(70 * 1024) } } }),
    'output.schema: over 65536 bytes as JSON',
  ],
  [
    'an output schema deeper than 32 levels',
    () => ({ ...base(), output: { schema: deepSchema(33) } }),
    'output.schema: deeper than 32 levels',
  ],
  [
    'a NUL in an output schema',
    () => ({ ...base(), output: { schema: { type: 'object', description: NUL } } }),
    'output.schema: the string at description contains a NUL',
  ],
  [
    'a poll interval under MIN_POLL_INTERVAL_S',
    () => ({ ...base(), options: { poll_interval_s: 5 } }),
    'options.poll_interval_s: at least 30 seconds (MIN_POLL_INTERVAL_S)',
  ],
  [
    `more than MAX_INPUTS (${MAX_INPUTS}) inputs`,
    () => chatJob(MAX_INPUTS + 1),
    `inputs: at most ${MAX_INPUTS} inputs per job (MAX_INPUTS)`,
  ],
];

/** The same job as NDJSON: the job without its inputs on the first line, then one input per line. */
function ndjsonOf(job: unknown): string {
  const { inputs, ...header } = job as { inputs?: unknown[] };
  return [JSON.stringify(header), ...(inputs ?? []).map((input) => JSON.stringify(input))].join('\n');
}

/** A body sent as it is, bytes the client would never send (a job with no inputs, a line cut short) included. */
async function post(body: string, contentType: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.apiUrl}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are whatever the API answered
  return { status: response.status, body: (await response.json()) as any };
}
const postJson = (job: unknown) => post(JSON.stringify(job), 'application/json');
const postNdjson = (body: string, headers: Record<string, string> = {}) =>
  post(body, 'application/x-ndjson', headers);

/**
 * POSTs the start of a body and leaves it open: resolves with the answer only if the API answers before the body
 * ends (then the body is ended). An API that read to the end first would never answer.
 */
function answerBeforeTheBodyEnds(
  start: string,
  contentType = 'application/x-ndjson',
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are whatever the API answered
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.apiUrl}/v1/jobs`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': contentType },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        req.end();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    req.write(start);
  });
}

describe('POST /v1/jobs with a bad job', () => {
  it.each(badJobs)('rejects %s with 400 naming the field, writing nothing', async (_name, make, expected) => {
    const before = await footprint(stack);
    const { status, body } = await postJson(make());
    expect(status).toBe(400);
    expect(body.error.type).toBe('invalid_job');
    expect(body.error.message).toContain(expected);
    expect(await footprint(stack)).toEqual(before);
  });

  it.each(badJobs)(
    'rejects %s as NDJSON too, naming the field, writing nothing',
    async (_name, make, expected) => {
      const before = await footprint(stack);
      const { status, body } = await postNdjson(ndjsonOf(make()));
      expect(status).toBe(400);
      expect(body.error.type).toBe('invalid_job');
      expect(body.error.message).toContain(expected);
      expect(await footprint(stack)).toEqual(before);
    },
  );

  it('rejects a body that is not JSON', async () => {
    const { status, body } = await post('{"provider": ', 'application/json');
    expect(status).toBe(400);
    expect(body.error.type).toBe('invalid_json');
  });

  it('names every offending field at once', async () => {
    const job = {
      ...base(),
      model: undefined,
      inputs: [{ prompt: 'a' }, {}, { prompt: 'b', params: { top_p: 3 } }],
    };
    // A job without its model: sent as it is, for the API to refuse.
    await expect(clientFor(stack).submit(job as unknown as JobToSubmit)).rejects.toMatchObject({
      status: 400,
      problems: expect.arrayContaining([
        expect.objectContaining({ field: 'model' }),
        expect.objectContaining({ field: 'inputs[2].params.top_p' }),
      ]),
    });
  });

  it('accepts a good job, collapses duplicates and queues its submission', async () => {
    const job = chatJob(4, {}, (i) => ({
      id: `d${i}`,
      prompt: i === 3 ? 'Summarise document number 0.' : `Summarise document number ${i}.`,
    }));
    const body = await clientFor(stack).submit(job);
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

  it('refuses a JSON body over MAX_BODY_BYTES with 413, writing nothing', async () => {
    const before = await footprint(stack);
    const job = chatJob(1, {}, () => ({ prompt: 'x'.repeat(MAX_BODY_BYTES) }));
    await expect(clientFor(stack).submit(job)).rejects.toMatchObject({
      status: 413,
      type: 'too_large',
      message: expect.stringContaining('MAX_BODY_BYTES'),
    });
    expect(await footprint(stack)).toEqual(before);
  });

  it('refuses an NDJSON body over MAX_BODY_BYTES with 413 as it streams in, before it ends, writing nothing', async () => {
    const before = await footprint(stack);
    const { inputs, ...header } = chatJob(1);
    const line = JSON.stringify({ prompt: 'y'.repeat(100 * 1024) });
    const lines = [JSON.stringify(header), ...inputs.map((i) => JSON.stringify(i))];
    while (lines.join('\n').length <= MAX_BODY_BYTES) lines.push(line);
    const { status, body } = await answerBeforeTheBodyEnds(`${lines.join('\n')}\n`);
    expect(status).toBe(413);
    expect(body.error).toMatchObject({
      type: 'too_large',
      message: expect.stringContaining('MAX_BODY_BYTES'),
    });
    expect(await footprint(stack)).toEqual(before);
    // The connection that was refused is not needed, and the API goes on taking jobs.
    expect(await clientFor(stack).submit(chatJob(1))).toMatchObject({ status: 'queued' });
  });

  it('stops reading an NDJSON job at the input after MAX_INPUTS, before the body ends', async () => {
    const before = await footprint(stack);
    const { status, body } = await answerBeforeTheBodyEnds(`${ndjsonOf(chatJob(MAX_INPUTS + 1))}\n`);
    expect(status).toBe(400);
    expect(body.error.message).toContain(`inputs: at most ${MAX_INPUTS} inputs per job (MAX_INPUTS)`);
    expect(await footprint(stack)).toEqual(before);
  });

  it('names an NDJSON line over MAX_INPUT_BYTES by its position, and a first line over it as the job', async () => {
    const before = await footprint(stack);
    const { inputs, ...header } = chatJob(2);
    const tooLong = JSON.stringify({ prompt: 'z'.repeat(MAX_INPUT_BYTES) });
    const lines = [JSON.stringify(header), JSON.stringify(inputs[0]), tooLong, JSON.stringify(inputs[1])];
    const refused = await postNdjson(lines.join('\n'));
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems).toEqual([
      {
        field: 'inputs[1]',
        message: `this line is ${tooLong.length} bytes, over MAX_INPUT_BYTES (${MAX_INPUT_BYTES})`,
      },
    ]);
    const hugeHeader = JSON.stringify({ ...header, defaults: { system: 's'.repeat(MAX_INPUT_BYTES) } });
    const first = await postNdjson([hugeHeader, JSON.stringify(inputs[0])].join('\n'));
    expect(first.status).toBe(400);
    expect(first.body.error.message).toContain('(job): the first line is');
    expect(await footprint(stack)).toEqual(before);
  });

  it('rejects a malformed Idempotency-Key with 400 naming the header, over JSON and NDJSON', async () => {
    const before = await footprint(stack);
    for (const key of ['', 'k'.repeat(256), 'clé']) {
      const json = await fetch(`${stack.apiUrl}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(chatJob(1)),
      });
      expect(json.status).toBe(400);
      expect(await json.json()).toMatchObject({
        error: { type: 'invalid_request', problems: [{ field: 'Idempotency-Key' }] },
      });
      const ndjson = await postNdjson(ndjsonOf(chatJob(1)), { 'idempotency-key': key });
      expect(ndjson.status).toBe(400);
      expect(ndjson.body.error.problems).toEqual([
        { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    expect(await footprint(stack)).toEqual(before);
  });

  it('refuses a JSON body over MAX_BODY_BYTES with 413 as it streams in, before it ends, writing nothing', async () => {
    const before = await footprint(stack);
    const { inputs, ...header } = chatJob(1);
    const input = JSON.stringify({ prompt: 'y'.repeat(100 * 1024) });
    let body = `${JSON.stringify(header).slice(0, -1)},"inputs":[${JSON.stringify(inputs[0])}`;
    while (body.length <= MAX_BODY_BYTES) body += `,${input}`;
    // No content-length and no end: only a body read as it arrives can be refused here.
    const { status, body: answer } = await answerBeforeTheBodyEnds(body, 'application/json');
    expect(status).toBe(413);
    expect(answer.error).toMatchObject({
      type: 'too_large',
      message: expect.stringContaining('MAX_BODY_BYTES'),
    });
    expect(await footprint(stack)).toEqual(before);
    expect(await clientFor(stack).submit(chatJob(1))).toMatchObject({ status: 'queued' });
  });

  it('names a JSON input over MAX_INPUT_BYTES by its position and size, without holding it', async () => {
    const before = await footprint(stack);
    const { inputs, ...header } = chatJob(3);
    const tooLong = JSON.stringify({ prompt: 'z'.repeat(MAX_INPUT_BYTES) });
    const elements = [JSON.stringify(inputs[0]), tooLong, JSON.stringify(inputs[1])];
    const refused = await post(
      `${JSON.stringify(header).slice(0, -1)},"inputs":[${elements.join(',')}]}`,
      'application/json',
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems).toEqual([
      {
        field: 'inputs[1]',
        message: `this input is ${tooLong.length} bytes, over MAX_INPUT_BYTES (${MAX_INPUT_BYTES})`,
      },
    ]);
    // The job's other fields together are held to the same bound (as the first line of an NDJSON job).
    const hugeFields = await postJson({ ...chatJob(1), defaults: { system: 's'.repeat(MAX_INPUT_BYTES) } });
    expect(hugeFields.status).toBe(400);
    expect(hugeFields.body.error.problems).toEqual([
      {
        field: '(job)',
        message: `its fields other than "inputs" are over MAX_INPUT_BYTES (${MAX_INPUT_BYTES} bytes)`,
      },
    ]);
    expect(await footprint(stack)).toEqual(before);
  });

  it('refuses JSON broken in the middle of the inputs with invalid_json before the body ends, writing nothing', async () => {
    const before = await footprint(stack);
    const { inputs, ...header } = chatJob(50);
    const good = inputs.slice(0, 40).map((i) => JSON.stringify(i));
    const start = `${JSON.stringify(header).slice(0, -1)},"inputs":[${good.join(',')},{"prompt": "broken" "x"}`;
    const { status, body } = await answerBeforeTheBodyEnds(start, 'application/json');
    expect(status).toBe(400);
    expect(body.error).toEqual({
      type: 'invalid_json',
      message: expect.stringMatching(/^the request body is not valid JSON: unexpected a string at byte \d+/),
    });
    expect(await footprint(stack)).toEqual(before);
  });

  it('refuses a JSON body that is no job object, a field given twice, or data after the object', async () => {
    const before = await footprint(stack);
    const job = JSON.stringify(chatJob(2));
    const notAnObject = await post(`[${job}]`, 'application/json');
    expect(notAnObject.status).toBe(400);
    expect(notAnObject.body.error.problems).toEqual([
      { field: '(job)', message: 'must be a JSON object: the job\'s fields and its "inputs" array' },
    ]);
    const twice = await post(`${job.slice(0, -1)},"model":"gpt-4o"}`, 'application/json');
    expect(twice.status).toBe(400);
    expect(twice.body.error.problems).toEqual([
      { field: 'model', message: 'given twice: each field of the job appears once' },
    ]);
    const trailing = await post(`${job} {}`, 'application/json');
    expect(trailing.status).toBe(400);
    expect(trailing.body.error).toEqual({
      type: 'invalid_json',
      message: `the request body is not valid JSON: more data after the end of the document, at byte ${job.length + 1}`,
    });
    expect(await footprint(stack)).toEqual(before);
  });

  it('takes a JSON job whose fields come before or after its inputs, in any order, as the same job', async () => {
    const job = {
      ...chatJob(30, { metadata: { project: 'e2e', owner: 'tests', tags: { order: 'any' } } }),
      defaults: { system: 'Answer in French.', params: { max_tokens: 50 } },
    };
    const { inputs, ...fields } = job;
    const keys = Object.keys(fields);
    /** The body with `inputs` after the first `at` fields (each field written as JSON.stringify writes it). */
    const bodyWithInputsAt = (at: number) => {
      const members = keys.map(
        (k) => `${JSON.stringify(k)}:${JSON.stringify(fields[k as keyof typeof fields])}`,
      );
      members.splice(at, 0, `"inputs":${JSON.stringify(inputs)}`);
      return `{${members.join(',')}}`;
    };
    const requests = async (jobId: string) =>
      (
        await stack.sql<{ request: unknown }[]>`
        select request from inputs where job_id = ${jobId} order by seq`
      ).map((r) => r.request);
    const before = await footprint(stack);
    let first: unknown[] | undefined;
    // Last; first; after two fields (no job yet: read to the end first); after three (a job already, but not the
    // whole one: the inputs are taken, then taken again once the defaults came).
    for (const at of [keys.length, 0, 2, 3]) {
      const { status, body } = await post(bodyWithInputsAt(at), 'application/json');
      expect(status, `inputs after ${at} fields`).toBe(202);
      expect(body).toMatchObject({ status: 'queued', inputs: 30, to_send: 30 });
      const stored = await requests(body.job_id);
      // The defaults that came after the inputs are in every request, as when they came first.
      expect(stored[0]).toMatchObject({ system: 'Answer in French.', params: { max_tokens: 50 } });
      first ??= stored;
      expect(stored).toEqual(first);
    }
    // One job each: the intake that took the inputs before the defaults came was rolled back.
    const after = await footprint(stack);
    expect([after.jobs, after.inputs]).toEqual([(before.jobs ?? 0) + 4, (before.inputs ?? 0) + 4 * 30]);
  });

  it('estimates a JSON job (dry run) with its fields after the inputs as the same job sent as NDJSON', async () => {
    const before = await footprint(stack);
    const job = { ...chatJob(12), defaults: { params: { max_tokens: 20 } } };
    const { inputs, ...fields } = job;
    const inputsFirst = `{"inputs":${JSON.stringify(inputs)},${JSON.stringify(fields).slice(1)}`;
    const dryRun = async (body: string, type: string) => {
      const response = await fetch(`${stack.apiUrl}/v1/jobs?dry_run=true`, {
        method: 'POST',
        headers: { 'content-type': type },
        body,
      });
      expect(response.status).toBe(200);
      return response.json();
    };
    const fromJson = await dryRun(inputsFirst, 'application/json');
    expect(fromJson).toMatchObject({ dry_run: true, inputs: 12, tokens: { max_output: 12 * 20 } });
    expect(fromJson).toEqual(await dryRun(ndjsonOf(job), 'application/x-ndjson'));
    expect(await footprint(stack)).toEqual(before);
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
