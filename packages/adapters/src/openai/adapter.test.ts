import { readFile } from 'node:fs/promises';
import { countPromptTokens, countTokens, createOpenAIProvider, echoText } from '@tranche/emulator';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { CHUNK_KEY_METADATA } from '../metadata';
import { adapterTestbed, byId, echoedResult, numbered, promptOf, question } from '../test-support/testbed';
import type { BatchAdapter, BatchContext, SubmitRequest, UnifiedRequest } from '../types';
import type { OpenAIOptions } from './client';
import { openAIDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'gpt-4o-mini', kind: 'chat' };
const embedding: BatchContext = { jobId: 'job-e', model: 'text-embedding-3-small', kind: 'embedding' };

const newAdapter = (options: Partial<OpenAIOptions> = {}): BatchAdapter =>
  createAdapter(openAIDescriptor, {
    apiKey: 'test',
    baseURL: testbed.emu.openaiBaseUrl,
    maxRetries: 2,
    ...options,
  });

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 50, seed: 9, providers: [createOpenAIProvider] },
  adapter: () => newAdapter(),
  context: chat,
});
const { writeChunk, submit, pollUntil, waitEnded, cancelTwice, collect, waitAndCollect, run, faultsLeft } =
  testbed;

/** The SDK itself, to look at what the emulator holds. */
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ apiKey: 'test', baseURL: testbed.emu.openaiBaseUrl, maxRetries: 0 });
});

/** A chunk of a few requests whose file is exactly `bytes` long (the last request's prompt is padded). */
async function chunkOfExactly(bytes: number, chunkKey: string): Promise<SubmitRequest> {
  const inputs = numbered(4, 'b');
  const unpadded = await writeChunk(inputs, chat, chunkKey);
  const padding = 'x'.repeat(bytes - unpadded.bytes);
  inputs[3] = ['b-3', question(3, padding)];
  const chunk = await writeChunk(inputs, chat, chunkKey);
  expect(chunk.bytes).toBe(bytes);
  return chunk;
}

/** The uploaded file is the chunk's request file unchanged, named after the chunk, for batches. */
async function expectUploadedUnchanged(inputFileId: string | null | undefined, chunk: SubmitRequest) {
  expect(await client.files.retrieve(inputFileId!)).toMatchObject({
    purpose: 'batch',
    filename: `${chunk.chunkKey}.jsonl`,
    bytes: chunk.bytes,
  });
  expect(await (await client.files.content(inputFileId!)).text()).toBe(
    await readFile(chunk.filePath, 'utf8'),
  );
}

/**
 * Counts the API calls matching each `[method, path]` through the fault API: a zero-length `delay` fault is used up
 * once per matching call (and changes nothing else), so what is left of its `times` says how many calls were made.
 * Merged into the current faults.
 */
const COUNTER = 10_000;
async function countCalls(...calls: Array<[method: string, path: string]>): Promise<void> {
  const delay = calls.map(([method, path]) => ({ provider: 'openai', method, path, ms: 0, times: COUNTER }));
  const response = await fetch(`${testbed.emu.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ delay }),
  });
  expect(response.ok).toBe(true);
}
async function callCounts(): Promise<Record<string, number>> {
  const { delay } = await faultsLeft();
  return Object.fromEntries(delay.map((fault) => [`${fault.method} ${fault.path}`, COUNTER - fault.times!]));
}

/** An HTTP error for the next `times` calls to `method path`, with a 1 ms Retry-After. */
const httpFault = (method: string, path: string, status: number, times: number) => ({
  provider: 'openai',
  method,
  path,
  status,
  times,
  retry_after_ms: 1,
});

const UPLOAD_CALLS: Array<[string, string]> = [
  ['POST', '^/files$'],
  ['POST', '^/uploads$'],
  ['POST', '^/uploads/[^/]+/parts$'],
  ['POST', '^/uploads/[^/]+/complete$'],
];
/** The upload calls counted for a file sent whole through the Files API. */
const FILES_API_UPLOAD = {
  'POST ^/files$': 1,
  'POST ^/uploads$': 0,
  'POST ^/uploads/[^/]+/parts$': 0,
  'POST ^/uploads/[^/]+/complete$': 0,
};
/** The upload calls counted for a file sent through the Uploads API in `parts` parts. */
const uploadsApiUpload = (parts: number) => ({
  'POST ^/files$': 0,
  'POST ^/uploads$': 1,
  'POST ^/uploads/[^/]+/parts$': parts,
  'POST ^/uploads/[^/]+/complete$': 1,
});

describe('OpenAIAdapter.encodeLine', () => {
  it('writes a chat request line with the model in the body and max_completion_tokens', () => {
    const line = testbed.adapter.encodeLine(
      'id-1',
      {
        system: 'Be brief.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'Bye 🎉' },
        ],
        params: { max_tokens: 64, temperature: 0.2, top_p: 0.9, stop: ['END'] },
      },
      chat,
    );
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      custom_id: 'id-1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: 'Bye 🎉' },
        ],
        max_completion_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        stop: ['END'],
      },
    });
    // Without params, no sampling keys at all; an empty stop list is left out.
    expect(
      JSON.parse(testbed.adapter.encodeLine('id-2', { ...question(2), params: { stop: [] } }, chat)).body,
    ).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Question number 2?' },
      ],
    });
  });

  it('asks for structured output with a strict json_schema response_format when the context has a schema', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const line = JSON.parse(
      testbed.adapter.encodeLine('s', question(1), { ...chat, output: { name: 'answer', schema } }),
    ) as { body: Record<string, unknown> };
    expect(line.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, strict: true },
    });
    expect(line.body).not.toHaveProperty('max_tokens');
  });

  it('writes an embeddings request line, asking for base64 and the size asked for', () => {
    expect(JSON.parse(testbed.adapter.encodeLine('e-1', { text: 'hello 🌍' }, embedding))).toEqual({
      custom_id: 'e-1',
      method: 'POST',
      url: '/v1/embeddings',
      body: { model: 'text-embedding-3-small', input: 'hello 🌍', encoding_format: 'base64' },
    });
    const sized = JSON.parse(
      testbed.adapter.encodeLine('e-2', { text: 'hi', params: { dimensions: 256 } }, embedding),
    );
    expect(sized.body).toEqual({
      model: 'text-embedding-3-small',
      input: 'hi',
      dimensions: 256,
      encoding_format: 'base64',
    });
  });
});

describe('OpenAIAdapter against the emulator', () => {
  it('submits through the Files API, polls through the phases and fetches shuffled results with usage', async () => {
    // Each state lasts 200 ms, so every phase is seen even when polls are slow.
    testbed.emu.setFaults({ slow_factor: 4 });
    await countCalls(...UPLOAD_CALLS);
    const inputs = numbered(30);
    const chunk = await writeChunk(inputs, chat, 'job-1_r0_c0');
    const submitted = await testbed.adapter.submit(chunk);
    expect(submitted.providerBatchId).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(submitted.inputFileId).toMatch(/^file-/);

    const first = await testbed.adapter.poll(submitted);
    expect(first).toMatchObject({
      phase: 'validating',
      providerStatus: 'validating',
      counts: { total: 0, completed: 0, failed: 0 },
      outputFileId: null,
      errorFileId: null,
      failures: undefined,
    });
    expect(first.outcome).toBeUndefined();

    const phases: string[] = [first.phase];
    const poll = await waitEnded(submitted, phases);
    expect(phases).toEqual(['validating', 'running', 'finalizing', 'ended']);
    expect(poll).toMatchObject({
      phase: 'ended',
      outcome: 'completed',
      providerStatus: 'completed',
      counts: { total: 30, completed: 30, failed: 0 },
      outputFileId: expect.stringMatching(/^file-/),
      errorFileId: null,
      failures: undefined,
    });

    const results = await collect({ ...submitted, outputFileId: poll.outputFileId });
    expect(results.map((r) => r.customId)).not.toEqual(inputs.map(([id]) => id));
    expect(results.map((r) => r.customId).sort()).toEqual(inputs.map(([id]) => id).sort());
    for (const result of results) {
      expect(result).toMatchObject({ status: 'succeeded', usage: { inputTokens: expect.any(Number) } });
    }
    const promptTokens = countPromptTokens(promptOf(question(7)));
    expect(byId(results).get('q-7')).toEqual(
      echoedResult('q-7', question(7), 'stop', expect.objectContaining({ prompt_tokens: promptTokens })),
    );

    // One plain file upload, named after the chunk, holding the request file unchanged.
    expect(await callCounts()).toEqual(FILES_API_UPLOAD);
    await expectUploadedUnchanged(submitted.inputFileId, chunk);
    const batch = await client.batches.retrieve(submitted.providerBatchId);
    expect(batch).toMatchObject({
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      input_file_id: submitted.inputFileId,
      metadata: { tranche_job_id: 'job-1', tranche_chunk_key: 'job-1_r0_c0' },
    });
    expect(testbed.emu.stats().openai).toEqual({ batches: 1, requests: 30, bytes: chunk.bytes });
  });

  it('uploads a file larger than uploadPartBytes through the Uploads API, in order, one part at a time', async () => {
    const partBytes = 4096;
    const parted = newAdapter({ uploadPartBytes: partBytes });
    await countCalls(...UPLOAD_CALLS);
    // About 45 KB: 11 parts, the last one short, lines cut across part boundaries.
    const inputs = numbered(60, 'u', ` ${'pad '.repeat(150)}`);
    const chunk = await writeChunk(inputs, chat, 'job-1_r0_c1');
    expect(chunk.bytes).toBeGreaterThan(10 * partBytes);
    expect(chunk.bytes % partBytes).not.toBe(0);
    const parts = Math.ceil(chunk.bytes / partBytes);

    const submitted = await parted.submit(chunk);
    expect(await callCounts()).toEqual(uploadsApiUpload(parts));
    // Every byte went up exactly once, and the parts were joined in the order they were cut.
    expect(testbed.emu.stats().openai).toEqual({ batches: 1, requests: 60, bytes: chunk.bytes });
    await expectUploadedUnchanged(submitted.inputFileId, chunk);

    const { ref, poll, results } = await waitAndCollect(submitted, chat, parted);
    expect(poll).toMatchObject({ outcome: 'completed', counts: { total: 60, completed: 60, failed: 0 } });
    const found = byId(results);
    expect([...found.keys()].sort()).toEqual(inputs.map(([id]) => id).sort());
    const prompt = promptOf(inputs[42]![1]);
    expect(found.get('u-42')).toMatchObject({
      status: 'succeeded',
      output: { text: echoText(prompt) },
      usage: { inputTokens: countPromptTokens(prompt) },
    });

    // The file made from the upload is cleaned up like any other.
    await parted.cleanup!(ref);
    expect((await client.files.list()).data).toEqual([]);
  });

  it('sends a file of exactly uploadPartBytes through the Files API, and one byte more in two parts', async () => {
    const partBytes = 2048;
    const parted = newAdapter({ uploadPartBytes: partBytes });
    await countCalls(...UPLOAD_CALLS);
    const exact = await chunkOfExactly(partBytes, 'chunk-exact');
    const small = await parted.submit(exact);
    expect(await callCounts()).toEqual(FILES_API_UPLOAD);
    await expectUploadedUnchanged(small.inputFileId, exact);

    testbed.emu.resetAll();
    await countCalls(...UPLOAD_CALLS);
    const over = await chunkOfExactly(partBytes + 1, 'chunk-over');
    const large = await parted.submit(over);
    expect(await callCounts()).toEqual(uploadsApiUpload(2));
    await expectUploadedUnchanged(large.inputFileId, over);
    const { poll, results } = await waitAndCollect(large);
    expect(poll.counts).toEqual({ total: 4, completed: 4, failed: 0 });
    expect(results.map((r) => r.customId).sort()).toEqual(['b-0', 'b-1', 'b-2', 'b-3']);
  });

  it('runs embedding batches', async () => {
    const { ref, poll, results } = await run(
      [
        ['e-1', { text: 'hello world' }],
        ['Ü/2 🎉', { text: 'ünïcødé 🎉' }],
        ['short', { text: 'hello world', params: { dimensions: 256 } }],
      ],
      embedding,
    );
    expect(poll).toMatchObject({ outcome: 'completed', counts: { total: 3, completed: 3, failed: 0 } });
    const found = byId(results);
    expect(found.get('e-1')).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens('hello world'), outputTokens: 0, cachedTokens: 0 },
    });
    const other = found.get('Ü/2 🎉');
    const vector = other?.status === 'succeeded' ? other.output.embedding : undefined;
    // Asked as base64, read back as the model's 1,536 float32 values.
    expect(vector).toBeInstanceOf(Float32Array);
    expect(vector).toHaveLength(1536);
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 5);
    const short = found.get('short');
    expect(short?.status === 'succeeded' && short.output.embedding).toHaveLength(256);
    expect((await client.batches.retrieve(ref.providerBatchId)).endpoint).toBe('/v1/embeddings');
  });

  it('returns structured output as JSON, and invalid JSON as a retryable invalid_output with usage', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' }, score: { type: 'integer', minimum: 1 } },
      required: ['answer', 'score'],
      additionalProperties: false,
    };
    const context: BatchContext = { ...chat, output: { name: 'verdict', schema } };
    const valid = await run(numbered(3), context);
    expect(valid.results).toHaveLength(3);
    expect(valid.results[0]).toMatchObject({
      status: 'succeeded',
      output: { json: { answer: 'string', score: 1 }, text: '{"answer":"string","score":1}' },
    });

    testbed.emu.setFaults({ invalid_json_rate: 1 });
    const invalid = await run(numbered(3), context);
    expect(invalid.results).toHaveLength(3);
    for (const result of invalid.results) {
      expect(result).toMatchObject({
        status: 'failed',
        error: { type: 'invalid_output', code: 'invalid_json', retryable: true },
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      });
    }
  });

  describe('findExisting', () => {
    it('adopts the batch a previous submit created for the chunk key, never an unknown or known one', async () => {
      const plannedAt = new Date(Date.now() - 1000);
      const a = await submit(numbered(2), chat, 'job-1_r0_c7');
      const b = await submit(numbered(2), chat, 'job-1_r0_c8');
      const query = {
        chunkKey: 'job-1_r0_c7',
        createdAfter: plannedAt,
        requestCount: 2,
        knownBatchIds: new Set<string>(),
      };
      expect(await testbed.adapter.findExisting(query)).toEqual({
        providerBatchId: a.providerBatchId,
        inputFileId: a.inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-1_r0_c8' })).toEqual({
        providerBatchId: b.providerBatchId,
        inputFileId: b.inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-1_r0_c9' })).toBeNull();
      expect(
        await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set([a.providerBatchId]) }),
      ).toBeNull();
      // Created before the chunk was planned (beyond the allowed clock skew): not the chunk's batch.
      expect(
        await testbed.adapter.findExisting({ ...query, createdAfter: new Date(Date.now() + 3_600_000) }),
      ).toBeNull();
      expect(testbed.emu.stats().openai?.batches).toBe(2);
    });

    it('pages through the batch list newest first, and stops at batches older than the chunk', async () => {
      // The oldest batch, on the second page of 100: created by a submit, then 99 others after it.
      const old = await submit(numbered(1), chat, 'job-1_r0_c0');
      const shared = await client.batches.retrieve(old.providerBatchId);
      for (let i = 1; i < 100; i++) {
        await client.batches.create({
          input_file_id: shared.input_file_id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
          metadata: { [CHUNK_KEY_METADATA]: `job-1_r0_c${i}` },
        });
      }
      const [newestOld] = (await client.batches.list({ limit: 1 })).data;
      // Batches carry whole seconds: the next ones must be created in a later second.
      const deadline = Date.now() + 5_000;
      while (Math.floor(Date.now() / 1000) <= newestOld!.created_at) {
        if (Date.now() > deadline) throw new Error('the clock did not move');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const recent = await submit(numbered(1), chat, 'job-1_r1_c0');
      const recentCreatedAt = (await client.batches.retrieve(recent.providerBatchId)).created_at;
      expect(recentCreatedAt).toBeGreaterThan(newestOld!.created_at);

      const query = {
        chunkKey: 'job-1_r0_c0',
        createdAfter: new Date(0),
        requestCount: 1,
        knownBatchIds: new Set<string>(),
      };
      await countCalls(['GET', '^/batches$']);
      expect(await testbed.adapter.findExisting(query)).toEqual({
        providerBatchId: old.providerBatchId,
        inputFileId: old.inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect(await callCounts()).toEqual({ 'GET ^/batches$': 2 });

      testbed.emu.setFaults({});
      await countCalls(['GET', '^/batches$']);
      expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-9_r0_c0' })).toBeNull();
      expect(await callCounts()).toEqual({ 'GET ^/batches$': 2 });

      // A chunk planned (less the 300 s skew allowance) after the old batches: the listing stops at the first
      // old one, on the first page, without adopting the old batch that carries the key.
      testbed.emu.setFaults({});
      await countCalls(['GET', '^/batches$']);
      const window = { ...query, createdAfter: new Date((recentCreatedAt + 300) * 1000) };
      expect(await testbed.adapter.findExisting(window)).toBeNull();
      expect(await testbed.adapter.findExisting({ ...window, chunkKey: 'job-1_r0_c99' })).toBeNull();
      expect(await testbed.adapter.findExisting({ ...window, chunkKey: 'job-1_r1_c0' })).toEqual({
        providerBatchId: recent.providerBatchId,
        inputFileId: recent.inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect(await callCounts()).toEqual({ 'GET ^/batches$': 3 });
    });
  });

  describe('failures', () => {
    it('reports a batch that failed validation as failed, with the reasons', async () => {
      testbed.emu.setFaults({ fail_validation: { provider: 'openai', times: 1 } });
      const { poll, results } = await run(numbered(5));
      expect(poll).toEqual({
        phase: 'ended',
        outcome: 'failed',
        providerStatus: 'failed',
        counts: { total: 0, completed: 0, failed: 0 },
        outputFileId: null,
        errorFileId: null,
        failures: [
          {
            code: 'validation_failed',
            message: 'The input file failed validation (injected fault).',
            line: null,
          },
        ],
      });
      expect(results).toEqual([]);
    });

    it('carries the line numbers the provider blames', async () => {
      const inputs = numbered(4);
      inputs[2] = ['q-0', question(2)];
      const { poll } = await run(inputs);
      expect(poll).toMatchObject({ outcome: 'failed', providerStatus: 'failed' });
      expect(poll.failures).toEqual([
        { code: 'duplicate_custom_id', message: "Line 3: custom_id 'q-0' is not unique.", line: 3 },
      ]);

      const { poll: noModel } = await run(numbered(3), { ...chat, model: '' });
      expect(noModel.failures).toEqual(
        [1, 2, 3].map((line) => expect.objectContaining({ code: 'missing_model', line })),
      );
    });

    it('expires with partial results, the rest failed as expired and retryable', async () => {
      testbed.emu.setFaults({ expire: { provider: 'openai', fraction_completed: 0.25, times: 1 } });
      const { poll, results } = await run(numbered(40));
      expect(poll).toMatchObject({
        phase: 'ended',
        outcome: 'expired',
        providerStatus: 'expired',
        counts: { total: 40, completed: 10, failed: 30 },
        outputFileId: expect.stringMatching(/^file-/),
        errorFileId: expect.stringMatching(/^file-/),
      });
      expect(results).toHaveLength(40);
      expect(new Set(results.map((r) => r.customId)).size).toBe(40);
      expect(results.slice(0, 10).every((r) => r.status === 'succeeded')).toBe(true);
      for (const result of results.slice(10)) {
        expect(result).toMatchObject({
          status: 'failed',
          usage: null,
          error: {
            type: 'expired',
            code: 'batch_expired',
            message: 'This request could not be executed before the completion window expired.',
            retryable: true,
          },
        });
      }
    });

    it.each([
      [429, 'rate_limited', 'rate_limit_exceeded', true],
      [500, 'server_error', 'server_error', true],
      [400, 'invalid_request', 'invalid_request_error', false],
    ])(
      'reads per-request status %i as %s (code %s, retryable: %s)',
      async (status, type, code, retryable) => {
        testbed.emu.setFaults({ request_errors: { provider: 'openai', rate: 0.5, status } });
        const { poll, results } = await run(numbered(20));
        expect(poll.outcome).toBe('completed');
        expect(poll.errorFileId).toMatch(/^file-/);
        expect(poll.counts.failed).toBeGreaterThan(0);
        expect(poll.counts.completed).toBeGreaterThan(0);
        expect(poll.counts.completed + poll.counts.failed).toBe(20);
        expect(results.map((r) => r.customId).sort()).toEqual(
          numbered(20)
            .map(([id]) => id)
            .sort(),
        );
        // The output file first, then the error file.
        const failures = results.filter((r) => r.status === 'failed');
        expect(failures).toHaveLength(poll.counts.failed);
        expect(results.slice(poll.counts.completed)).toEqual(failures);
        for (const failure of failures) {
          expect(failure).toMatchObject({ status: 'failed', usage: null, error: { type, code, retryable } });
        }
      },
    );

    it('reads a request the provider refused as a final invalid_request', async () => {
      const { poll, results } = await run([
        ['ok', question(1)],
        ['zero-max', { ...question(2), params: { max_tokens: 0 } }],
      ]);
      expect(poll.counts).toEqual({ total: 2, completed: 1, failed: 1 });
      expect(byId(results).get('zero-max')).toEqual({
        customId: 'zero-max',
        status: 'failed',
        usage: null,
        error: {
          type: 'invalid_request',
          code: 'invalid_value',
          message: "Invalid 'max_completion_tokens': expected an integer >= 1.",
          retryable: false,
        },
      });
    });

    it('makes each create call once: a 503 on upload, a 429 and a 500 on batch create each fail an attempt, retryably', async () => {
      testbed.emu.setFaults({
        http: [
          httpFault('POST', '^/files$', 503, 1),
          httpFault('POST', '^/batches$', 429, 1),
          httpFault('POST', '^/batches$', 500, 1),
          // Reads keep the SDK's retries.
          httpFault('GET', '^/batches/[^/]+$', 500, 1),
          httpFault('GET', '^/files/[^/]+/content$', 502, 1),
        ],
      });
      await countCalls(['POST', '^/files$'], ['POST', '^/batches$']);
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(5), chat, 'chunk-retry');

      const unsent = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(unsent).toBeInstanceOf(ProviderCallError);
      expect(unsent).not.toBeInstanceOf(CreateAfterUploadError);
      expect(unsent).toMatchObject({ status: 503, retryable: true });
      // The next attempts, as the worker makes them: the file uploaded by the first of them is found and reused.
      const again = { ...chunk, earlierAttemptsSince: plannedAt };
      const limited = await testbed.adapter.submit(again).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(CreateAfterUploadError);
      const inputFileId = (limited as CreateAfterUploadError).inputFileId;
      expect(limited).toMatchObject({
        status: 429,
        retryable: true,
        inputFileId: expect.stringMatching(/^file-/),
      });
      expect((limited as Error).message).toContain(`request file ${inputFileId} kept`);
      const failed = await testbed.adapter.submit(again).catch((e: unknown) => e);
      expect(failed).toMatchObject({ status: 500, retryable: true, inputFileId });
      const submitted = await testbed.adapter.submit(again);
      expect(submitted.inputFileId).toBe(inputFileId);

      const { results } = await waitAndCollect(submitted);
      expect(results).toHaveLength(5);
      expect((await faultsLeft()).http).toEqual([]);
      // Calls answered by a fault are not counted: one upload and one create went through, each once.
      expect(await callCounts()).toEqual({ 'POST ^/files$': 1, 'POST ^/batches$': 1 });
      expect(testbed.emu.stats().openai).toEqual({ batches: 1, requests: 5, bytes: chunk.bytes });
      expect((await client.batches.list()).data.map((b) => b.id)).toEqual([submitted.providerBatchId]);
    });

    it('throws a retryable ProviderCallError on a 429 at create, without trying again', async () => {
      testbed.emu.setFaults({ http: [httpFault('POST', '^/batches$', 429, 3)] });
      const error = await submit(numbered(1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderCallError);
      expect(error).toMatchObject({ status: 429, retryable: true });
      expect((await faultsLeft()).http).toMatchObject([{ status: 429, times: 2 }]);
      expect(testbed.emu.stats().openai?.batches).toBe(0);
    });

    it('surfaces a 400 on create as a final ProviderCallError, not retried', async () => {
      testbed.emu.setFaults({
        http: [
          {
            provider: 'openai',
            method: 'POST',
            path: '^/batches$',
            status: 400,
            times: 2,
            message: 'Invalid request (injected).',
          },
        ],
      });
      const injected = await submit(numbered(1)).catch((e: unknown) => e);
      expect(injected).toBeInstanceOf(ProviderCallError);
      expect(injected).toMatchObject({ status: 400, retryable: false });
      expect((injected as Error).message).toContain('Invalid request (injected).');
      // One of the two faults is left: the SDK did not try again.
      expect((await faultsLeft()).http).toMatchObject([{ status: 400, times: 1 }]);

      // A real refusal: metadata values are limited to 512 characters.
      testbed.emu.setFaults({});
      const tooLong = await submit(numbered(1), chat, `chunk-${'k'.repeat(600)}`).catch((e: unknown) => e);
      expect(tooLong).toBeInstanceOf(ProviderCallError);
      expect(tooLong).toMatchObject({ status: 400, retryable: false });
      expect(testbed.emu.stats().openai?.batches).toBe(0);
      // No batch will ever read the files uploaded for the refused creates: they were deleted.
      expect((await client.files.list()).data).toEqual([]);

      const missing = await testbed.adapter
        .poll({ providerBatchId: 'batch_missing' })
        .catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(ProviderCallError);
      expect(missing).toMatchObject({ status: 404, retryable: false });
      const offline = newAdapter({ baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 });
      await expect(offline.poll({ providerBatchId: 'x' })).rejects.toMatchObject({
        status: null,
        retryable: true,
      });
    });
  });

  describe('at most one batch per chunk', () => {
    it('does not retry a batch create whose answer was lost: one batch, a retryable error, and findExisting adopts it', async () => {
      testbed.emu.setFaults({
        drop_response: [{ provider: 'openai', method: 'POST', path: '^/batches$', times: 1 }],
      });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(6), chat, 'job-1_r0_c3');

      const lost = await testbed.adapter.submit(chunk).catch((e: unknown) => e);

      expect(lost).toBeInstanceOf(CreateAfterUploadError);
      expect(lost).toMatchObject({
        status: null,
        retryable: true,
        inputFileId: expect.stringMatching(/^file-/),
      });
      expect(testbed.emu.stats().openai).toMatchObject({ batches: 1, requests: 6 });
      const [made] = (await client.batches.list()).data;
      const adopted = await testbed.adapter.findExisting({
        chunkKey: chunk.chunkKey,
        createdAfter: plannedAt,
        requestCount: 6,
        knownBatchIds: new Set(),
      });
      expect(adopted).toEqual({
        providerBatchId: made!.id,
        inputFileId: (lost as CreateAfterUploadError).inputFileId,
        recognisedBy: 'chunk_key',
      });
      const { results } = await waitAndCollect(adopted!);
      expect(results.map((r) => r.customId).sort()).toEqual(numbered(6).map(([id]) => id));
      expect((await client.batches.list()).data).toHaveLength(1);
    });

    it('uses the file a lost upload answer left, on the next attempt, instead of uploading it again', async () => {
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(4), chat, 'job-1_r0_c4');
      // Another chunk's file, and one of this chunk's name but another size: neither is this chunk's request file.
      await client.files.create({ file: new File(['{}\n'], 'job-1_r0_c5.jsonl'), purpose: 'batch' });
      await client.files.create({ file: new File(['{}\n'], 'job-1_r0_c4.jsonl'), purpose: 'batch' });
      testbed.emu.setFaults({
        drop_response: [{ provider: 'openai', method: 'POST', path: '^/files$', times: 1 }],
      });
      await countCalls(['POST', '^/files$'], ['POST', '^/batches$']);

      const lost = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(ProviderCallError);
      expect(lost).toMatchObject({ status: null, retryable: true });
      expect(testbed.emu.stats().openai).toMatchObject({ batches: 0, bytes: chunk.bytes + 6 });
      const submitted = await testbed.adapter.submit({ ...chunk, earlierAttemptsSince: plannedAt });

      expect(await callCounts()).toEqual({ 'POST ^/files$': 1, 'POST ^/batches$': 1 });
      expect(testbed.emu.stats().openai).toMatchObject({ batches: 1, requests: 4, bytes: chunk.bytes + 6 });
      await expectUploadedUnchanged(submitted.inputFileId, chunk);
      const { results } = await waitAndCollect(submitted);
      expect(results).toHaveLength(4);
    });

    it('uses the file a lost answer to an Uploads API complete left, on the next attempt', async () => {
      const partBytes = 2048;
      const parted = newAdapter({ uploadPartBytes: partBytes });
      const plannedAt = new Date();
      const chunk = await chunkOfExactly(3 * partBytes, 'job-1_r0_c6');
      testbed.emu.setFaults({
        drop_response: [{ provider: 'openai', method: 'POST', path: '^/uploads/[^/]+/complete$', times: 1 }],
      });
      await countCalls(...UPLOAD_CALLS);

      await expect(parted.submit(chunk)).rejects.toMatchObject({ status: null, retryable: true });
      const submitted = await parted.submit({ ...chunk, earlierAttemptsSince: plannedAt });

      // One upload of three parts, completed once (the call whose answer was lost): its file was found and used.
      expect(await callCounts()).toEqual(uploadsApiUpload(3));
      await expectUploadedUnchanged(submitted.inputFileId, chunk);
      expect(testbed.emu.stats().openai).toMatchObject({ batches: 1, requests: 4, bytes: chunk.bytes });
    });
  });

  it('cancels mid-run with partial results, and cancelling again or after the end is not an error', async () => {
    // Each state lasts a second: the cancel lands while requests are finishing.
    testbed.emu.setFaults({ slow_factor: 20 });
    const inputs = numbered(100);
    const submitted = await submit(inputs);
    await pollUntil(submitted, (poll) => poll.phase === 'running' && poll.counts.completed > 0);
    expect(await cancelTwice(submitted)).toMatchObject({ phase: 'cancelling', providerStatus: 'cancelling' });

    const { poll, results } = await waitAndCollect(submitted);
    expect(poll).toMatchObject({ outcome: 'cancelled', providerStatus: 'cancelled' });
    expect(poll.counts.total).toBe(100);
    expect(poll.counts.completed).toBeGreaterThan(0);
    expect(poll.counts.completed).toBeLessThan(100);
    // What finished is returned; the requests the cancel cut off are in neither file.
    expect(results).toHaveLength(poll.counts.completed);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    const ids = new Set(inputs.map(([id]) => id));
    expect(results.every((r) => ids.has(r.customId))).toBe(true);
    await expect(testbed.adapter.cancel(submitted)).resolves.toBeUndefined();

    testbed.emu.setFaults({});
    const finished = await run(numbered(2), chat, 'chunk-done');
    expect(finished.poll.outcome).toBe('completed');
    await expect(testbed.adapter.cancel(finished.ref)).resolves.toBeUndefined();
    expect((await testbed.adapter.poll(finished.ref)).outcome).toBe('completed');
    await expect(testbed.adapter.cancel({ providerBatchId: 'batch_missing' })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('cleans up the input, output and error files, and a second cleanup (404s) is harmless', async () => {
    testbed.emu.setFaults({ request_errors: { provider: 'openai', rate: 0.5, status: 500 } });
    const { ref, poll } = await run(numbered(10));
    expect(poll.outputFileId).toMatch(/^file-/);
    expect(poll.errorFileId).toMatch(/^file-/);
    const stored = (await client.files.list()).data.map((file) => file.id).sort();
    expect(stored).toEqual([ref.inputFileId, poll.outputFileId, poll.errorFileId].sort());

    await testbed.adapter.cleanup!(ref);
    expect((await client.files.list()).data).toEqual([]);
    await expect(testbed.adapter.cleanup!(ref)).resolves.toBeUndefined();
    await expect(
      testbed.adapter.cleanup!({ providerBatchId: 'batch_missing', inputFileId: null }),
    ).resolves.toBeUndefined();

    // Anything but a 404 is an error.
    const file = await client.files.create({ file: new File(['{}\n'], 'x.jsonl'), purpose: 'batch' });
    testbed.emu.setFaults({ http: [httpFault('DELETE', '^/files/', 500, 5)] });
    const error = await newAdapter({ maxRetries: 0 }).cleanup!({
      providerBatchId: 'x',
      inputFileId: file.id,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 500, retryable: true });
  });
});

describe('OpenAIAdapter: Responses API batches', () => {
  const verdict = {
    type: 'object',
    properties: { answer: { type: 'string' }, score: { type: 'integer', minimum: 1 } },
    required: ['answer', 'score'],
    additionalProperties: false,
  };
  // A reasoning model: the emulator reports as many reasoning tokens as visible ones, inside output_tokens.
  const responses: BatchContext = { jobId: 'job-r', model: 'gpt-5-mini', kind: 'chat', chatApi: 'responses' };

  it('runs a /v1/responses batch: structured output, usage with cached and reasoning tokens', async () => {
    testbed.emu.setFaults({ cached_fraction: 0.5 });
    const context: BatchContext = { ...responses, output: { name: 'verdict', schema: verdict } };
    const { ref, poll, results } = await run(numbered(12), context, 'job-r_r0_c0');
    expect(poll).toMatchObject({ outcome: 'completed', counts: { total: 12, completed: 12, failed: 0 } });
    const batch = await client.batches.retrieve(ref.providerBatchId);
    expect(batch).toMatchObject({ endpoint: '/v1/responses', model: 'gpt-5-mini' });

    const answer = '{"answer":"string","score":1}';
    const prompt = promptOf(question(5));
    const promptTokens = countPromptTokens(prompt);
    expect(byId(results).get('q-5')).toEqual({
      customId: 'q-5',
      status: 'succeeded',
      output: { text: answer, json: { answer: 'string', score: 1 }, finishReason: 'stop' },
      usage: {
        inputTokens: promptTokens,
        outputTokens: 2 * countTokens(answer),
        cachedTokens: Math.floor(promptTokens * 0.5),
        cacheWriteTokens: 0,
        raw: expect.objectContaining({ output_tokens_details: { reasoning_tokens: countTokens(answer) } }),
      },
    });
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('reads plain text answers, a cut at max_output_tokens as length, and fails a bad line alone', async () => {
    const chatModel: BatchContext = { ...responses, model: 'gpt-4o-mini' };
    const long: UnifiedRequest = {
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Tell me everything about the sea, at length.' }],
      params: { max_tokens: 3 },
    };
    const { results } = await run(
      [
        ['plain', question(1)],
        ['cut', long],
        // No input at all: the API refuses this one request, and only it.
        ['empty', { messages: [] }],
      ],
      chatModel,
    );
    const found = byId(results);
    expect(found.get('plain')).toEqual(
      echoedResult(
        'plain',
        question(1),
        'stop',
        expect.objectContaining({ input_tokens: expect.any(Number) }),
      ),
    );
    expect(found.get('cut')).toMatchObject({
      status: 'succeeded',
      output: { finishReason: 'length' },
      usage: { outputTokens: 3 },
    });
    expect(found.get('empty')).toMatchObject({
      status: 'failed',
      error: { type: 'invalid_request', retryable: false },
    });
  });
});

describe('OpenAIAdapter: provider files that expire by themselves', () => {
  const seconds = 2 * 24 * 3600;

  it('sends expires_after with each request file (Files and Uploads API) and output_expires_after with the batch', async () => {
    const expiring = newAdapter({ fileExpiresAfterSeconds: seconds, uploadPartBytes: 4096 });
    testbed.emu.setFaults({ request_errors: { provider: 'openai', rate: 0.5, status: 500 } });
    await countCalls(...UPLOAD_CALLS);
    const small = await expiring.submit(await writeChunk(numbered(4), chat, 'job-x_r0_c0'));
    const largeChunk = await writeChunk(numbered(40, 'u', ` ${'pad '.repeat(150)}`), chat, 'job-x_r0_c1');
    const large = await expiring.submit(largeChunk);
    // One file through the Files API, the other through the Uploads API: both paths carry the expiry.
    const parts = uploadsApiUpload(Math.ceil(largeChunk.bytes / 4096));
    expect(await callCounts()).toEqual({ ...parts, 'POST ^/files$': 1 });
    for (const submitted of [small, large]) {
      const file = await client.files.retrieve(submitted.inputFileId!);
      expect(file.expires_at).toBe(file.created_at + seconds);
      const { poll } = await waitAndCollect(submitted, chat, expiring);
      for (const id of [poll.outputFileId, poll.errorFileId]) {
        const result = await client.files.retrieve(id!);
        expect(result.expires_at).toBe(result.created_at + seconds);
      }
    }
    expect(testbed.emu.stats().openai?.batches).toBe(2);
  });

  it('sends neither field without a setting: OpenAI keeps batch files its default 30 days', async () => {
    const { ref, poll } = await run(numbered(2));
    for (const id of [ref.inputFileId, poll.outputFileId]) {
      const file = await client.files.retrieve(id!);
      expect(file.expires_at).toBe(file.created_at + 30 * 24 * 3600);
    }
  });
});
