import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens, echoText } from '../core/model';
import { type EmulatorHandle, startEmulator } from '../server';
import { createMistralProvider } from './provider';
import { isTerminal, RawMistralClient, requestLine, requestLines } from './test-client';
import type { ChatBody, EmbeddingBody, WireBatchJob } from './types';

let emu: EmulatorHandle;
let api: RawMistralClient;

beforeAll(async () => {
  emu = await startEmulator({ stepMs: 40, seed: 7, providers: [createMistralProvider] });
  api = new RawMistralClient(emu);
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

const JOB_KEYS = [
  'id',
  'object',
  'input_files',
  'metadata',
  'endpoint',
  'model',
  'agent_id',
  'output_file',
  'error_file',
  'errors',
  'outputs',
  'status',
  'created_at',
  'total_requests',
  'completed_requests',
  'succeeded_requests',
  'failed_requests',
  'started_at',
  'completed_at',
].sort();

const isInt = (value: unknown) => Number.isInteger(value);

describe('files', () => {
  it('stores an upload and describes it with every key the SDK requires', async () => {
    const lines = requestLines(3);
    const response = await api.upload(lines);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const file = response.json();
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      sample_type: 'batch_request',
      source: 'upload',
      filename: 'input.jsonl',
      num_lines: 3,
      expires_at: null,
    });
    expect(file.bytes).toBe(Buffer.byteLength(`${lines.join('\n')}\n`));
    expect(isInt(file.created_at)).toBe(true);
    expect(file.id).toMatch(/^[0-9a-f-]{36}$/);

    const content = await api.call('GET', `/v1/files/${file.id}/content`);
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('application/octet-stream');
    expect(content.text).toBe(`${lines.join('\n')}\n`);
    expect((await api.call('GET', `/v1/files/${file.id}`)).json()).toMatchObject({
      id: file.id,
      deleted: false,
    });
    expect((await api.call('GET', '/v1/files?purpose=batch')).json()).toMatchObject({
      object: 'list',
      total: 1,
    });
    expect((await api.call('DELETE', `/v1/files/${file.id}`)).json()).toEqual({
      id: file.id,
      object: 'file',
      deleted: true,
    });
    expect((await api.call('GET', `/v1/files/${file.id}`)).status).toBe(404);
  });

  it('rejects a batch file with a line that is not a request, as the API does (422)', async () => {
    const response = await api.upload([requestLine('a', 'ok'), '{"custom_id": "b"', requestLine('c', 'ok')]);
    expect(response.status).toBe(422);
    expect(response.json()).toMatchObject({ object: 'error', message: expect.stringContaining('Line 2') });
    expect(emu.stats().mistral!.bytes).toBe(0);
  });

  it('requires a bearer token, answering like FastAPI', async () => {
    const response = await fetch(`${api.base}/v1/files`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ detail: 'Unauthorized' });
  });
});

describe('job lifecycle', () => {
  it('runs QUEUED → RUNNING → SUCCESS and writes a shuffled output file', async () => {
    const lines = requestLines(30);
    const created = await api.submit(lines, { metadata: { job: 'j-1' }, timeout_hours: 24 });
    expect(Object.keys(created).sort()).toEqual(JOB_KEYS);
    expect(created).toMatchObject({
      object: 'batch',
      status: 'QUEUED',
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
      metadata: { job: 'j-1' },
      errors: [],
      outputs: null,
      output_file: null,
      error_file: null,
      total_requests: 0,
      completed_requests: 0,
      completed_at: null,
    });
    expect(isInt(created.created_at)).toBe(true);

    const seen = new Set<string>();
    const done = await api.waitFor(created.id, (job) => {
      seen.add(job.status);
      return isTerminal(job);
    });
    expect(seen).toContain('RUNNING');
    expect(done).toMatchObject({
      status: 'SUCCESS',
      total_requests: 30,
      completed_requests: 30,
      succeeded_requests: 30,
      failed_requests: 0,
      errors: [],
      error_file: null,
    });
    for (const key of ['started_at', 'completed_at', 'created_at'] as const)
      expect(isInt(done[key])).toBe(true);

    const results = await api.lines(done.output_file);
    const ids = results.map((line) => line.custom_id);
    expect([...ids].sort()).toEqual(lines.map((_, i) => `req-${i}`).sort());
    expect(ids).not.toEqual(lines.map((_, i) => `req-${i}`));
    const first = results.find((line) => line.custom_id === 'req-3')!;
    expect(first).not.toHaveProperty('response.request_id');
    expect(first.id).toMatch(/^batch-[0-9a-f]{8}-[0-9a-f]{8}-3$/);
    const body = first.response!.body as ChatBody;
    const prompt = [{ role: 'user', text: 'Question number 3?' }];
    expect(body.choices[0]!.message).toEqual({
      role: 'assistant',
      content: echoText(prompt),
      tool_calls: null,
    });
    expect(body.usage).toEqual({
      prompt_tokens: countPromptTokens(prompt),
      completion_tokens: countTokens(echoText(prompt)),
      total_tokens: countPromptTokens(prompt) + countTokens(echoText(prompt)),
    });
    expect(first.error).toBeNull();

    const output = (await api.call('GET', `/v1/files/${done.output_file}`)).json();
    expect(output).toMatchObject({
      purpose: 'batch',
      sample_type: 'batch_result',
      source: 'mistral',
      num_lines: 30,
    });
    expect(emu.stats().mistral).toEqual({
      batches: 1,
      requests: 30,
      bytes: Buffer.byteLength(`${lines.join('\n')}\n`),
    });
  });

  it('honours max_tokens, uses the job model over a line model, and keeps lines without custom_id', async () => {
    const job = await api.submit([
      requestLine('long', 'Tell me a long story please', { max_tokens: 2, model: 'ignored-model' }),
      requestLine(null, 'no id'),
    ]);
    const done = await api.waitFor(job.id);
    const results = await api.lines(done.output_file);
    const long = results.find((line) => line.custom_id === 'long')!.response!.body as ChatBody;
    expect(long.choices[0]!.finish_reason).toBe('length');
    expect(long.usage.completion_tokens).toBe(2);
    expect(long.model).toBe('mistral-small-latest');
    expect(results.some((line) => line.custom_id === null)).toBe(true);
  });

  it('reports failed requests in the error file and in errors[] of a SUCCESS job', async () => {
    emu.setFaults({ request_errors: { provider: 'mistral', rate: 0.5, status: 400 } });
    const job = await api.submit(requestLines(20));
    const done = await api.waitFor(job.id);
    expect(done.status).toBe('SUCCESS');
    expect(done.failed_requests).toBeGreaterThan(0);
    expect(done.completed_requests).toBe(20);
    expect(done.succeeded_requests + done.failed_requests).toBe(20);
    expect(done.errors).toEqual([{ message: 'HTTP Error, status code: 400', count: done.failed_requests }]);
    const errors = await api.lines(done.error_file);
    expect(errors).toHaveLength(done.failed_requests);
    const [line] = errors;
    // Seen live: the body is the error object as a JSON string, and `error` is null.
    expect(line!.error).toBeNull();
    expect(line!.response!.status_code).toBe(400);
    expect(typeof line!.response!.body).toBe('string');
    expect(JSON.parse(line!.response!.body as string)).toMatchObject({
      object: 'error',
      type: 'invalid_request_error',
      raw_status_code: 400,
    });
    expect(await api.lines(done.output_file)).toHaveLength(done.succeeded_requests);
    const errorFile = (await api.call('GET', `/v1/files/${done.error_file}`)).json();
    expect(errorFile.sample_type).toBe('batch_error');
  });

  it('writes the other error-line shapes when switched', async () => {
    emu.setFaults({ request_errors: { provider: 'mistral', rate: 1, status: 429 } });
    const switched = await api.call('POST', '/_emulator/options', { error_line_shape: 'openai_envelope' });
    expect(switched.json()).toMatchObject({ error_line_shape: 'openai_envelope' });
    const envelope = await api.waitFor((await api.submit(requestLines(2))).id);
    expect((await api.lines(envelope.error_file))[0]).toMatchObject({
      response: { status_code: 429, body: { error: { type: 'rate_limited', code: '1300' } } },
      error: null,
    });

    await api.call('POST', '/_emulator/options', { error_line_shape: 'top_level_error' });
    const topLevel = await api.waitFor((await api.submit(requestLines(2))).id);
    const [line] = await api.lines(topLevel.error_file);
    expect(line).not.toHaveProperty('response');
    expect(line!.error).toMatchObject({ message: 'Rate limit exceeded', code: '1300', raw_status_code: 429 });

    expect((await api.call('POST', '/_emulator/options', { error_line_shape: 'nope' })).status).toBe(400);
    emu.resetAll();
    expect((await api.call('GET', '/_emulator/options')).json()).toMatchObject({
      error_line_shape: 'string_body',
    });
  });

  it('cancels a queued job at once, with no files', async () => {
    const job = await api.submit(requestLines(5));
    const cancelled = (await api.call('POST', `/v1/batch/jobs/${job.id}/cancel`)).json() as WireBatchJob;
    expect(cancelled).toMatchObject({ status: 'CANCELLED', completed_requests: 0, output_file: null });
    expect(isInt(cancelled.completed_at)).toBe(true);
    // Again: a no-op.
    expect((await api.call('POST', `/v1/batch/jobs/${job.id}/cancel`)).json()).toMatchObject({
      status: 'CANCELLED',
    });
  });

  it('cancels a running job through CANCELLATION_REQUESTED, keeping what finished', async () => {
    emu.setFaults({ slow_factor: 5 });
    const job = await api.submit(requestLines(200));
    await api.waitFor(job.id, (j) => j.status === 'RUNNING' && j.completed_requests > 20);
    const requested = (await api.call('POST', `/v1/batch/jobs/${job.id}/cancel`)).json() as WireBatchJob;
    expect(requested.status).toBe('CANCELLATION_REQUESTED');
    const done = await api.waitFor(job.id);
    expect(done.status).toBe('CANCELLED');
    expect(done.completed_requests).toBe(requested.completed_requests);
    expect(done.completed_requests).toBeLessThan(200);
    expect(await api.lines(done.output_file)).toHaveLength(done.completed_requests);
    const refused = await api.call(
      'POST',
      `/v1/batch/jobs/${(await api.waitFor((await api.submit(requestLines(1))).id)).id}/cancel`,
    );
    expect(refused.status).toBe(400);
  });

  it('ends TIMEOUT_EXCEEDED with partial results when the expire fault fires', async () => {
    emu.setFaults({ expire: { provider: 'mistral', fraction_completed: 0.25, times: 1 } });
    const done = await api.waitFor((await api.submit(requestLines(40))).id);
    expect(done).toMatchObject({ status: 'TIMEOUT_EXCEEDED', total_requests: 40, completed_requests: 10 });
    expect(await api.lines(done.output_file)).toHaveLength(10);
    expect(done.error_file).toBeNull();
  });

  it('fails a job on the fail_validation fault', async () => {
    emu.setFaults({ fail_validation: { provider: 'mistral', times: 1 } });
    const done = await api.waitFor((await api.submit(requestLines(3))).id);
    expect(done).toMatchObject({ status: 'FAILED', total_requests: 0, output_file: null });
    expect(done.errors).toEqual([{ message: expect.stringContaining('injected'), count: 1 }]);
  });

  it('validates the create body with 422s and 404s', async () => {
    const file = (await api.upload(requestLines(1))).json();
    const create = (body: Record<string, unknown>) =>
      api.call('POST', '/v1/batch/jobs', {
        input_files: [file.id],
        endpoint: '/v1/chat/completions',
        model: 'm',
        ...body,
      });
    expect((await create({ input_files: ['8f0c2b9e-0000-4000-8000-000000000000'] })).status).toBe(404);
    expect((await create({ endpoint: '/v1/responses' })).status).toBe(422);
    expect((await create({ endpoint: '/v1/ocr' })).status).toBe(422);
    expect((await create({ model: null })).status).toBe(422);
    expect((await create({ timeout_hours: 0 })).status).toBe(422);
    expect((await create({ timeout_hours: 168 })).status).toBe(200);
    expect((await create({ metadata: { ['k'.repeat(33)]: 'v' } })).status).toBe(422);
    expect((await create({ metadata: { k: 'v'.repeat(513) } })).status).toBe(422);
    expect((await create({ metadata: { k: '' } })).status).toBe(422);
    const tooMany = Array.from({ length: 10_001 }, () => ({ body: { messages: [] } }));
    expect((await create({ input_files: null, requests: tooMany })).status).toBe(422);
  });
});

describe('scale', () => {
  it('runs 100,000 small requests, streaming the files both ways', async () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => requestLine(`r${i}`, `q${i}`));
    const job = await api.submit(lines);
    const done = await api.waitFor(job.id, isTerminal, 30_000);
    expect(done).toMatchObject({ status: 'SUCCESS', total_requests: 100_000, succeeded_requests: 100_000 });
    const content = await api.call('GET', `/v1/files/${done.output_file}/content`);
    expect(content.text.split('\n').filter(Boolean)).toHaveLength(100_000);
  });
});

describe('inline requests', () => {
  it('runs requests sent in the create body and returns them with ?inline=true', async () => {
    const job = await api.create({
      requests: [
        { custom_id: 'a', body: { messages: [{ role: 'user', content: 'héllo 👋' }] } },
        { custom_id: 'b', body: { messages: [{ role: 'user', content: 'second' }] } },
      ],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
    });
    expect(job.input_files).toEqual([]);
    await api.waitFor(job.id);
    const withOutputs = await api.job(job.id, '?inline=true');
    expect(Object.keys(withOutputs).sort()).toEqual(JOB_KEYS);
    expect(withOutputs.outputs).toHaveLength(2);
    const a = withOutputs.outputs!.find((o) => o.custom_id === 'a') as { response: { body: ChatBody } };
    expect(a.response.body.choices[0]!.message.content).toContain('héllo 👋');
    expect((await api.job(job.id)).outputs).toBeNull();
    expect(emu.stats().mistral).toMatchObject({ batches: 1, requests: 2 });
    expect(emu.stats().mistral!.bytes).toBeGreaterThan(0);
  });

  it('keeps the results of an inline job in outputs only, when switched to', async () => {
    await api.call('POST', '/_emulator/options', { inline_result_files: 'outputs_only' });
    const job = await api.create({
      requests: [
        { custom_id: 'a', body: { messages: [{ role: 'user', content: 'one' }] } },
        { custom_id: 'b', body: { messages: [{ role: 'user', content: 'two' }], max_tokens: 0 } },
      ],
      endpoint: '/v1/chat/completions',
      model: 'mistral-small-latest',
    });
    const done = await api.waitFor(job.id);
    expect(done).toMatchObject({
      output_file: null,
      error_file: null,
      succeeded_requests: 1,
      failed_requests: 1,
    });
    const withOutputs = await api.job(job.id, '?inline=true');
    expect(withOutputs.outputs!.map((o) => o.custom_id).sort()).toEqual(['a', 'b']);
    expect((await api.call('GET', '/v1/files')).json()).toMatchObject({ total: 0 });
  });
});

describe('models', () => {
  it('answers json_schema with schema-valid JSON, and corrupts it on demand', async () => {
    const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 2 } }, required: ['n'] };
    const line = requestLine('s', 'json please', {
      response_format: { type: 'json_schema', json_schema: { name: 'o', schema, strict: true } },
    });
    const valid = await api.waitFor((await api.submit([line])).id);
    const [ok] = await api.lines(valid.output_file);
    expect(JSON.parse((ok!.response!.body as ChatBody).choices[0]!.message.content)).toEqual({ n: 2 });

    emu.setFaults({ invalid_json_rate: 1 });
    const invalid = await api.waitFor((await api.submit([line])).id);
    const [bad] = await api.lines(invalid.output_file);
    expect(() => JSON.parse((bad!.response!.body as ChatBody).choices[0]!.message.content)).toThrow();
  });

  it('embeds a string or a list at the model size, refusing output_dimension on mistral-embed', async () => {
    const job = await api.submit(
      [
        JSON.stringify({ custom_id: 'one', body: { input: 'hello' } }),
        JSON.stringify({ custom_id: 'two', body: { input: ['a', 'b'] } }),
        JSON.stringify({ custom_id: 'sized', body: { input: 'a', output_dimension: 4 } }),
      ],
      { endpoint: '/v1/embeddings', model: 'mistral-embed' },
    );
    const done = await api.waitFor(job.id);
    const results = await api.lines(done.output_file);
    const one = results.find((line) => line.custom_id === 'one')!.response!.body as EmbeddingBody;
    const two = results.find((line) => line.custom_id === 'two')!.response!.body as EmbeddingBody;
    expect(one).toMatchObject({ object: 'list', model: 'mistral-embed', usage: { completion_tokens: 0 } });
    expect(one.data[0]!.embedding).toHaveLength(1024);
    expect(two.data.map((d) => (d.embedding as number[]).length)).toEqual([1024, 1024]);
    const errors = await api.lines(done.error_file);
    expect(errors.find((line) => line.custom_id === 'sized')).toBeDefined();
  });

  it('honours output_dimension on codestral-embed, up to 3072', async () => {
    const job = await api.submit(
      [
        JSON.stringify({ custom_id: 'default', body: { input: 'a' } }),
        JSON.stringify({ custom_id: 'small', body: { input: 'a', output_dimension: 256 } }),
        JSON.stringify({ custom_id: 'big', body: { input: 'a', output_dimension: 3072 } }),
        JSON.stringify({ custom_id: 'too-big', body: { input: 'a', output_dimension: 3073 } }),
      ],
      { endpoint: '/v1/embeddings', model: 'codestral-embed' },
    );
    const done = await api.waitFor(job.id);
    const size = new Map(
      (await api.lines(done.output_file)).map((line) => [
        line.custom_id,
        ((line.response!.body as EmbeddingBody).data[0]!.embedding as number[]).length,
      ]),
    );
    expect(Object.fromEntries(size)).toEqual({ default: 1536, small: 256, big: 3072 });
    expect((await api.lines(done.error_file)).map((line) => line.custom_id)).toEqual(['too-big']);
  });
});

describe('listing', () => {
  it('filters by status, metadata (JSON or exploded keys), created_after and pages with a total', async () => {
    const a = await api.submit(requestLines(1), { metadata: { chunk: 'a' } });
    const b = await api.submit(requestLines(1), { metadata: { chunk: 'b', other: 'x' } });
    await api.call('POST', `/v1/batch/jobs/${b.id}/cancel`);
    await api.waitFor(a.id);
    const list = (query: string) => api.call('GET', `/v1/batch/jobs${query}`).then((r) => r.json());

    expect(await list('')).toMatchObject({ object: 'list', total: 2, data: [{ id: b.id }, { id: a.id }] });
    expect((await list('?order_by=created')).data.map((j: WireBatchJob) => j.id)).toEqual([a.id, b.id]);
    expect(await list('?page=1&page_size=1')).toMatchObject({ total: 2, data: [{ id: a.id }] });
    expect(await list(`?metadata=${encodeURIComponent('{"chunk":"b"}')}`)).toMatchObject({
      total: 1,
      data: [{ id: b.id }],
    });
    expect(await list('?chunk=a')).toMatchObject({ total: 1, data: [{ id: a.id }] });
    expect(await list('?status=SUCCESS&status=FAILED')).toMatchObject({ total: 1, data: [{ id: a.id }] });
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await list(`?created_after=${encodeURIComponent(future)}`)).toMatchObject({ total: 0, data: [] });
    expect((await api.call('GET', '/v1/batch/jobs?status=DONE')).status).toBe(422);

    await api.call('POST', '/_emulator/options', { list_metadata_filter: 'ignored' });
    expect(await list('?chunk=a')).toMatchObject({ total: 2 });
  });
});

describe('faults', () => {
  it('answers an http fault with a Mistral error body and an integer Retry-After', async () => {
    emu.setFaults({
      http: [
        {
          provider: 'mistral',
          path: '/batch/jobs',
          method: 'GET',
          status: 429,
          times: 1,
          retry_after_ms: 1500,
        },
      ],
    });
    const limited = await api.call('GET', '/v1/batch/jobs');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('retry-after-ms')).toBeNull();
    expect(limited.json()).toEqual({
      object: 'error',
      message: 'Rate limit exceeded',
      type: 'rate_limited',
      param: null,
      code: '1300',
      raw_status_code: 429,
    });
    expect((await api.call('GET', '/v1/batch/jobs')).status).toBe(200);
  });

  it('ignores faults scoped to another provider', async () => {
    emu.setFaults({ http: [{ provider: 'openai', status: 500 }] });
    expect((await api.call('GET', '/v1/batch/jobs')).status).toBe(200);
  });
});
