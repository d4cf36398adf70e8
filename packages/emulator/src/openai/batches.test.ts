import type OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countPromptTokens, countTokens, echoText } from '../core/model';
import type { EmulatorHandle } from '../server';
import { chatLine, chatLines, openEmulator, readJsonl, submit, uploadLines, waitFor } from '../test-support';
import type { BatchResultLine } from './types';

let emu: EmulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  ({ emu, client } = await openEmulator());
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  emu.resetAll();
});

const BATCH_KEYS = [
  'id',
  'object',
  'endpoint',
  'model',
  'errors',
  'input_file_id',
  'completion_window',
  'status',
  'output_file_id',
  'error_file_id',
  'created_at',
  'in_progress_at',
  'expires_at',
  'finalizing_at',
  'completed_at',
  'failed_at',
  'expired_at',
  'cancelling_at',
  'cancelled_at',
  'request_counts',
  'usage',
  'metadata',
].sort();

describe('batch lifecycle', () => {
  it('runs validating → in_progress → finalizing → completed and delivers shuffled output', async () => {
    const lines = chatLines(30);
    const file = await uploadLines(client, lines);
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { job: 'j-1' },
    });
    expect(Object.keys(created).sort()).toEqual(BATCH_KEYS);
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      model: null,
      errors: null,
      output_file_id: null,
      error_file_id: null,
      in_progress_at: null,
      metadata: { job: 'j-1' },
      request_counts: { total: 0, completed: 0, failed: 0 },
    });
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(created.expires_at).toBe(created.created_at + 86_400);

    const done = await waitFor(client, created.id);
    expect(done.status).toBe('completed');
    expect(done.model).toBe('gpt-4o-mini');
    expect(done.request_counts).toEqual({ total: 30, completed: 30, failed: 0 });
    for (const key of ['in_progress_at', 'finalizing_at', 'completed_at'] as const) {
      expect(typeof done[key]).toBe('number');
    }
    expect(done.error_file_id).toBeNull();
    expect(done.failed_at).toBeNull();

    const outputFile = await client.files.retrieve(done.output_file_id!);
    expect(outputFile).toMatchObject({ purpose: 'batch_output', object: 'file', status: 'processed' });

    const output = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    expect(output).toHaveLength(30);
    const order = output.map((line) => line.custom_id);
    expect(new Set(order).size).toBe(30);
    expect(order).not.toEqual(lines.map((_, i) => `req-${i}`));

    let input = 0;
    let outputTokens = 0;
    for (const line of output) {
      expect(line.id).toMatch(/^batch_req_[0-9a-f]{32}$/);
      expect(line.error).toBeNull();
      expect(line.response?.status_code).toBe(200);
      expect(line.response?.request_id).toMatch(/^req_/);
      const body = line.response!.body as ChatCompletion;
      const i = Number(line.custom_id.split('-')[1]);
      const messages = [
        { role: 'system', text: 'You are terse.' },
        { role: 'user', text: `Question number ${i}?` },
      ];
      const text = echoText(messages);
      expect(body.object).toBe('chat.completion');
      expect(body.choices[0]?.message.content).toBe(text);
      expect(body.choices[0]?.finish_reason).toBe('stop');
      expect(body.usage).toEqual({
        prompt_tokens: countPromptTokens(messages),
        completion_tokens: countTokens(text),
        total_tokens: countPromptTokens(messages) + countTokens(text),
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      });
      input += body.usage!.prompt_tokens;
      outputTokens += body.usage!.completion_tokens;
    }
    expect(done.usage).toEqual({
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + outputTokens,
    });
  });

  it('repeats the same shuffle for the same seed', async () => {
    const first = await waitFor(client, (await submit(client, chatLines(12))).id);
    const firstOrder = (await readJsonl<BatchResultLine>(client, first.output_file_id!)).map(
      (l) => l.custom_id,
    );
    emu.resetAll();
    const second = await waitFor(client, (await submit(client, chatLines(12))).id);
    const secondOrder = (await readJsonl<BatchResultLine>(client, second.output_file_id!)).map(
      (l) => l.custom_id,
    );
    expect(secondOrder).toEqual(firstOrder);
  });

  it('writes injected request failures to the error file, and a retry succeeds', async () => {
    emu.setFaults({ request_errors: { rate: 0.5, status: 500, max_per_custom_id: 1 } });
    const done = await waitFor(client, (await submit(client, chatLines(40))).id);
    expect(done.status).toBe('completed');
    const { completed, failed, total } = done.request_counts!;
    expect(total).toBe(40);
    expect(failed).toBeGreaterThan(5);
    expect(completed + failed).toBe(40);

    const errors = await readJsonl<BatchResultLine>(client, done.error_file_id!);
    const output = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    expect(errors).toHaveLength(failed);
    expect(output).toHaveLength(completed);
    for (const line of errors) {
      expect(line.error).toBeNull();
      expect(line.response?.status_code).toBe(500);
      expect(line.response?.body).toEqual({
        error: {
          message: expect.any(String),
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    }

    const retryIds = new Set(errors.map((line) => line.custom_id));
    const retryLines = chatLines(40).filter((_, i) => retryIds.has(`req-${i}`));
    const retry = await waitFor(client, (await submit(client, retryLines)).id);
    expect(retry.request_counts).toEqual({ total: failed, completed: failed, failed: 0 });
    expect(retry.error_file_id).toBeNull();
  });

  it('puts the rest of an expired batch in the error file as batch_expired', async () => {
    emu.setFaults({ expire: { fraction_completed: 0.5, times: 1 } });
    const done = await waitFor(client, (await submit(client, chatLines(20))).id);
    expect(done.status).toBe('expired');
    expect(typeof done.expired_at).toBe('number');
    expect(done.completed_at).toBeNull();
    expect(done.request_counts).toEqual({ total: 20, completed: 10, failed: 10 });

    const output = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    const errors = await readJsonl<BatchResultLine>(client, done.error_file_id!);
    expect(output).toHaveLength(10);
    expect(errors).toHaveLength(10);
    for (const line of errors) {
      expect(line.response).toBeNull();
      expect(line.error).toEqual({ code: 'batch_expired', message: expect.any(String) });
    }
    const ids = new Set([...output, ...errors].map((line) => line.custom_id));
    expect(ids.size).toBe(20);

    const next = await waitFor(client, (await submit(client, chatLines(3))).id);
    expect(next.status).toBe('completed');
  });

  it('ends a batch completed without its output file on a lose_output_file fault, once', async () => {
    emu.setFaults({ lose_output_file: { times: 1 }, request_errors: { rate: 0.25, status: 500 } });
    const lost = await waitFor(client, (await submit(client, chatLines(20))).id);
    expect(lost.status).toBe('completed');
    expect(lost.output_file_id).toBeNull();
    // The failed requests are still reported, in the error file.
    expect(lost.error_file_id).not.toBeNull();
    expect((await readJsonl<BatchResultLine>(client, lost.error_file_id!)).length).toBe(
      lost.request_counts?.failed,
    );

    const next = await waitFor(client, (await submit(client, chatLines(3))).id);
    expect(next.output_file_id).not.toBeNull();
  });

  it('cancels mid-run with partial output', async () => {
    emu.setFaults({ slow_factor: 10 });
    const created = await submit(client, chatLines(50));
    await waitFor(client, created.id, (batch) => batch.status === 'in_progress');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(typeof cancelling.cancelling_at).toBe('number');

    const done = await waitFor(client, created.id);
    expect(done.status).toBe('cancelled');
    expect(typeof done.cancelled_at).toBe('number');
    const { total, completed, failed } = done.request_counts!;
    expect(total).toBe(50);
    expect(failed).toBe(0);
    expect(completed).toBeGreaterThan(0);
    expect(completed).toBeLessThan(50);
    const output = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    expect(output).toHaveLength(completed);
    expect(done.error_file_id).toBeNull();
    expect(done.usage?.input_tokens).toBeGreaterThan(0);

    await expect(client.batches.cancel(created.id)).resolves.toMatchObject({ status: 'cancelled' });
  });

  it('cancels a validating batch with no output, and refuses to cancel a finished one', async () => {
    emu.setFaults({ slow_factor: 10 });
    const created = await submit(client, chatLines(5));
    await client.batches.cancel(created.id);
    const done = await waitFor(client, created.id);
    expect(done).toMatchObject({ status: 'cancelled', output_file_id: null, error_file_id: null });
    expect(done.in_progress_at).toBeNull();

    emu.setFaults({});
    const finished = await waitFor(client, (await submit(client, chatLines(2))).id);
    await expect(client.batches.cancel(finished.id)).rejects.toMatchObject({ status: 400 });
  });

  it('fails validation with errors.data naming the line', async () => {
    const lines = [
      chatLine('a', 'ok'),
      '{not json',
      chatLine('a', 'duplicate'),
      chatLine('b', 'wrong url', { url: '/v1/embeddings' }),
      JSON.stringify({ custom_id: 'c', method: 'POST', url: '/v1/chat/completions', body: { messages: [] } }),
      chatLine('d', 'other model', { model: 'gpt-4o' }),
      JSON.stringify({ method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini' } }),
      JSON.stringify({
        custom_id: 'e',
        method: 'GET',
        url: '/v1/chat/completions',
        body: { model: 'gpt-4o-mini' },
      }),
    ];
    const done = await waitFor(client, (await submit(client, lines)).id);
    expect(done.status).toBe('failed');
    expect(typeof done.failed_at).toBe('number');
    expect(done.in_progress_at).toBeNull();
    expect(done.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
    expect(done.output_file_id).toBeNull();
    expect(done.errors?.object).toBe('list');
    expect(done.errors?.data?.map((e) => [e.code, e.line])).toEqual([
      ['invalid_json_line', 2],
      ['duplicate_custom_id', 3],
      ['mismatched_endpoint', 4],
      ['missing_model', 5],
      ['mixed_models', 6],
      ['missing_custom_id', 7],
      ['invalid_method', 8],
    ]);
    for (const error of done.errors?.data ?? []) {
      expect(Object.keys(error).sort()).toEqual(['code', 'line', 'message', 'param']);
    }
  });

  it('fails the next batch on a fail_validation fault', async () => {
    emu.setFaults({ fail_validation: { times: 1 } });
    const failed = await waitFor(client, (await submit(client, chatLines(2))).id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.[0]?.code).toBe('validation_failed');
    const ok = await waitFor(client, (await submit(client, chatLines(2))).id);
    expect(ok.status).toBe('completed');
  });

  it('reports per-request 400s and truncates at max_tokens', async () => {
    const lines = [
      chatLine('long', 'x'.repeat(400), { body: { max_tokens: 3 } }),
      chatLine('bad', 'y', { body: { max_completion_tokens: 0 } }),
      JSON.stringify({
        custom_id: 'nomsg',
        method: 'POST',
        url: '/v1/chat/completions',
        body: { model: 'gpt-4o-mini' },
      }),
    ];
    const done = await waitFor(client, (await submit(client, lines)).id);
    expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
    const [ok] = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    const body = ok!.response!.body as ChatCompletion;
    expect(body.choices[0]?.finish_reason).toBe('length');
    expect(body.usage?.completion_tokens).toBe(3);
    const full = echoText([
      { role: 'system', text: 'You are terse.' },
      { role: 'user', text: 'x'.repeat(400) },
    ]);
    expect(body.choices[0]?.message.content).toBe(full.slice(0, 12));
    const errors = await readJsonl<BatchResultLine>(client, done.error_file_id!);
    expect(errors.map((line) => [line.custom_id, line.response?.status_code]).sort()).toEqual([
      ['bad', 400],
      ['nomsg', 400],
    ]);
    const bad = errors.find((line) => line.custom_id === 'bad')!;
    expect(bad.response?.body).toMatchObject({
      error: { type: 'invalid_request_error', param: 'max_completion_tokens' },
    });
  });

  it('answers json_schema requests with a valid instance, or broken JSON under invalid_json_rate', async () => {
    const schema = {
      type: 'object',
      properties: {
        label: { type: 'string', enum: ['spam', 'ham'] },
        score: { type: 'number', minimum: 0, maximum: 1 },
        tags: { type: 'array', items: { type: 'string' } },
        nested: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
      },
      required: ['label', 'score', 'tags', 'nested'],
      additionalProperties: false,
    };
    const body = {
      response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true, schema } },
    };
    const valid = await waitFor(client, (await submit(client, [chatLine('j', 'classify', { body })])).id);
    const [line] = await readJsonl<BatchResultLine>(client, valid.output_file_id!);
    const content = (line!.response!.body as ChatCompletion).choices[0]!.message.content!;
    expect(JSON.parse(content)).toEqual({ label: 'spam', score: 0, tags: ['string'], nested: { ok: true } });

    emu.setFaults({ invalid_json_rate: 1 });
    const broken = await waitFor(client, (await submit(client, [chatLine('j', 'classify', { body })])).id);
    const [bad] = await readJsonl<BatchResultLine>(client, broken.output_file_id!);
    const badContent = (bad!.response!.body as ChatCompletion).choices[0]!.message.content!;
    expect(() => JSON.parse(badContent)).toThrow();
  });

  it('keeps unicode and emoji intact', async () => {
    const text = 'Grüße, 世界! 👋🏽👨‍👩‍👧 — ¿qué tal? 🎉';
    const done = await waitFor(client, (await submit(client, [chatLine('u', text)])).id);
    const [line] = await readJsonl<BatchResultLine>(client, done.output_file_id!);
    const body = line!.response!.body as ChatCompletion;
    expect(body.choices[0]?.message.content?.endsWith(`: ${text}`)).toBe(true);
    expect(body.usage?.prompt_tokens).toBe(
      Math.ceil((Buffer.byteLength(text) + Buffer.byteLength('You are terse.')) / 4),
    );
  });

  it('handles a single 1 MB request', async () => {
    const big = 'a'.repeat(1024 * 1024);
    const done = await waitFor(client, (await submit(client, [chatLine('big', big)])).id);
    expect(done.request_counts).toEqual({ total: 1, completed: 1, failed: 0 });
    expect(done.usage?.input_tokens).toBe(Math.ceil((big.length + 'You are terse.'.length) / 4));
  });

  it('answers /v1/embeddings batches with deterministic vectors', async () => {
    const line = (id: string, input: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/embeddings',
        body: { model: 'text-embedding-3-small', input, ...extra },
      });
    const lines = [
      line('e1', 'hello'),
      line('e2', ['hello', 'world 🌍']),
      line('e3', 'hello', { dimensions: 16 }),
    ];
    const done = await waitFor(client, (await submit(client, lines, '/v1/embeddings')).id);
    expect(done.status).toBe('completed');
    expect(done.usage?.output_tokens).toBe(0);
    const byId = new Map(
      (await readJsonl<BatchResultLine>(client, done.output_file_id!)).map((l) => [
        l.custom_id,
        l.response!.body,
      ]),
    );
    const e1 = byId.get('e1') as {
      object: string;
      data: Array<{ embedding: number[]; index: number; object: string }>;
    };
    const e2 = byId.get('e2') as typeof e1;
    const e3 = byId.get('e3') as typeof e1;
    expect(e1).toMatchObject({
      object: 'list',
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    expect(e1.data[0]).toMatchObject({ object: 'embedding', index: 0 });
    expect(e1.data[0]?.embedding).toHaveLength(1536);
    expect(e2.data.map((d) => d.index)).toEqual([0, 1]);
    expect(e2.data[0]?.embedding).toEqual(e1.data[0]?.embedding);
    expect(e2.data[1]?.embedding).not.toEqual(e1.data[0]?.embedding);
    expect(e3.data[0]?.embedding).toHaveLength(16);
    const norm = Math.hypot(...(e1.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 6);
  });

  it('sizes embeddings by model, honours dimensions and base64, and refuses sizes the model cannot give', async () => {
    const line = (id: string, model: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/embeddings',
        body: { model, input: 'hello', ...extra },
      });
    const run = async (lines: string[]) => {
      const done = await waitFor(client, (await submit(client, lines, '/v1/embeddings')).id);
      const files = [done.output_file_id, done.error_file_id].filter((id): id is string => Boolean(id));
      const all = (await Promise.all(files.map((id) => readJsonl<BatchResultLine>(client, id)))).flat();
      return new Map(all.map((l) => [l.custom_id, l.response!]));
    };
    const small = await run([
      line('float', 'text-embedding-3-small'),
      line('base64', 'text-embedding-3-small', { encoding_format: 'base64' }),
      line('short', 'text-embedding-3-small', { dimensions: 256 }),
      line('too-big', 'text-embedding-3-small', { dimensions: 1537 }),
      line('zero', 'text-embedding-3-small', { dimensions: 0 }),
    ]);
    const vector = (id: string) =>
      (small.get(id)!.body as { data: Array<{ embedding: number[] | string }> }).data[0]!.embedding;
    const floats = vector('float') as number[];
    expect(floats).toHaveLength(1536);
    const decoded = Buffer.from(vector('base64') as string, 'base64');
    expect(decoded.length).toBe(1536 * 4);
    expect(Array.from({ length: 1536 }, (_, i) => decoded.readFloatLE(i * 4))).toEqual(floats);
    expect(vector('short')).toHaveLength(256);
    expect(small.get('too-big')).toMatchObject({
      status_code: 400,
      body: {
        error: {
          param: 'dimensions',
          message: expect.stringContaining('Must be less than or equal to 1536'),
        },
      },
    });
    expect(small.get('zero')).toMatchObject({ status_code: 400, body: { error: { param: 'dimensions' } } });

    const large = await run([line('large', 'text-embedding-3-large')]);
    expect(
      (large.get('large')!.body as { data: Array<{ embedding: number[] }> }).data[0]!.embedding,
    ).toHaveLength(3072);

    const ada = await run([
      line('ada', 'text-embedding-ada-002'),
      line('ada-dims', 'text-embedding-ada-002', { dimensions: 512 }),
    ]);
    expect(
      (ada.get('ada')!.body as { data: Array<{ embedding: number[] }> }).data[0]!.embedding,
    ).toHaveLength(1536);
    expect(ada.get('ada-dims')).toMatchObject({
      status_code: 400,
      body: { error: { message: 'This model does not support specifying dimensions.', param: null } },
    });
  });
});
