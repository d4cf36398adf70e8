import { readFile } from 'node:fs/promises';
import { Mistral } from '@mistralai/mistralai';
import { countPromptTokens, countTokens, createMistralProvider, echoText } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, echoedResult, numbered, promptOf, question } from '../test-support/testbed';
import type { BatchAdapter, BatchContext, SubmitRequest, UnifiedRequest } from '../types';
import { mistralDescriptor } from './descriptor';
import { DEFAULT_INLINE } from './inline-bounds';
import type { MistralOptions } from './transport';

const chat: BatchContext = { jobId: 'job-1', model: 'mistral-small-latest', kind: 'chat' };

const FAST_RETRY = { initialIntervalMs: 5, maxIntervalMs: 50, exponent: 1.5, maxElapsedMs: 10_000 };
const serverURL = (): string => `${testbed.emu.url}/mistral`;
/** Every chunk as an uploaded file: most tests here are about files. `inline chunks` below is about the rest. */
const FILES_ONLY = { maxRequests: 0, maxBytes: 0 };
const newAdapter = (options: Partial<MistralOptions> = {}): BatchAdapter =>
  createAdapter(mistralDescriptor, {
    apiKey: 'test',
    serverURL: serverURL(),
    retry: FAST_RETRY,
    inline: FILES_ONLY,
    ...options,
  });

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 50, seed: 5, providers: [createMistralProvider] },
  adapter: () => newAdapter(),
  context: chat,
});
const { writeChunk, submit, pollUntil, waitEnded, cancelTwice, collect, waitAndCollect, run, faultsLeft } =
  testbed;

/** The uploaded file is the chunk's request file unchanged, and it went up once. */
async function expectUploadedUnchanged(inputFileId: string | null | undefined, chunk: SubmitRequest) {
  const content = await fetch(`${serverURL()}/v1/files/${inputFileId}/content`, {
    headers: { authorization: 'Bearer test' },
  });
  expect(await content.text()).toBe(await readFile(chunk.filePath, 'utf8'));
  expect(testbed.emu.stats().mistral!.bytes).toBe(chunk.bytes);
}

describe('MistralAdapter against the emulator', () => {
  it('submits, polls through the states and fetches shuffled results with usage', async () => {
    const inputs = numbered(30);
    const submitted = await submit(inputs);
    expect(submitted.providerBatchId).toMatch(/^[0-9a-f-]{36}$/);
    const phases: string[] = [];
    const poll = await waitEnded(submitted, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'SUCCESS',
      counts: { total: 30, completed: 30, failed: 0 },
      errorFileId: null,
      failures: undefined,
    });
    const results = await collect({ ...submitted, outputFileId: poll.outputFileId });
    expect(results.map((r) => r.customId)).not.toEqual(inputs.map(([id]) => id));
    expect(results.map((r) => r.customId).sort()).toEqual(inputs.map(([id]) => id).sort());
    const promptTokens = countPromptTokens(promptOf(question(7)));
    expect(byId(results).get('q-7')).toEqual(
      echoedResult('q-7', question(7), 'stop', expect.objectContaining({ prompt_tokens: promptTokens })),
    );
    expect(testbed.emu.stats().mistral).toMatchObject({ batches: 1, requests: 30 });
  });

  it('uploads the request file unchanged, and cleans up what it stored', async () => {
    const chunk = await writeChunk(numbered(50), chat, 'chunk-upload');
    const submitted = await testbed.adapter.submit(chunk);
    await expectUploadedUnchanged(submitted.inputFileId, chunk);
    const { ref } = await waitAndCollect(submitted);
    await testbed.adapter.cleanup!(ref);
    await testbed.adapter.cleanup!(ref);
    const files = await fetch(`${serverURL()}/v1/files`, { headers: { authorization: 'Bearer test' } });
    expect(await files.json()).toMatchObject({ total: 0 });
  });

  describe.each(['string_body', 'openai_envelope', 'top_level_error'])(
    'per-request failures written as %s',
    (shape) => {
      it.each([
        [400, 'invalid_request', false],
        [429, 'rate_limited', true],
        [500, 'server_error', true],
      ])('reads status %i as %s (retryable: %s)', async (status, type, retryable) => {
        await testbed.setProviderOptions('mistral', { error_line_shape: shape });
        testbed.emu.setFaults({ request_errors: { provider: 'mistral', rate: 0.5, status } });
        const { poll, results } = await run(numbered(20));
        expect(poll.outcome).toBe('completed');
        expect(poll.counts.failed).toBeGreaterThan(0);
        expect(poll.counts.completed + poll.counts.failed).toBe(20);
        expect(results).toHaveLength(20);
        const failures = results.filter((r) => r.status === 'failed');
        expect(failures).toHaveLength(poll.counts.failed);
        for (const failure of failures) {
          expect(failure).toMatchObject({ status: 'failed', usage: null, error: { type, retryable } });
        }
        if (status === 429)
          expect(failures[0]).toMatchObject({ error: { code: '1300', message: 'Rate limit exceeded' } });
      });
    },
  );

  it('expires with partial results', async () => {
    testbed.emu.setFaults({ expire: { provider: 'mistral', fraction_completed: 0.25, times: 1 } });
    const { poll, results } = await run(numbered(40));
    expect(poll).toMatchObject({ phase: 'ended', outcome: 'expired', providerStatus: 'TIMEOUT_EXCEEDED' });
    expect(poll.counts).toEqual({ total: 40, completed: 10, failed: 0 });
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('cancels mid-run with partial results, and cancelling again or after the end is not an error', async () => {
    testbed.emu.setFaults({ slow_factor: 6 });
    const submitted = await submit(numbered(200));
    await pollUntil(submitted, (poll) => poll.phase === 'running' && poll.counts.completed > 20);
    expect((await cancelTwice(submitted)).phase).toBe('cancelling');
    const { poll, results } = await waitAndCollect(submitted);
    expect(poll).toMatchObject({ outcome: 'cancelled', providerStatus: 'CANCELLED' });
    expect(poll.counts.completed).toBeGreaterThan(20);
    expect(poll.counts.completed).toBeLessThan(200);
    expect(results).toHaveLength(poll.counts.completed);
    await testbed.adapter.cancel(submitted);

    testbed.emu.setFaults({ slow_factor: null });
    const finished = await run(numbered(2));
    await testbed.adapter.cancel(finished.ref);
  });

  it('absorbs 429 and 5xx on reads with the SDK retries (one batch created)', async () => {
    testbed.emu.setFaults({
      http: [
        {
          provider: 'mistral',
          method: 'GET',
          path: '^/v1/batch/jobs/',
          status: 500,
          times: 1,
          retry_after_ms: 0,
        },
        { provider: 'mistral', method: 'GET', path: '/v1/files/', status: 502, times: 1, retry_after_ms: 0 },
      ],
    });
    const chunk = await writeChunk(numbered(10), chat, 'chunk-retry');
    const submitted = await testbed.adapter.submit(chunk);
    const { results } = await waitAndCollect(submitted);
    expect(results).toHaveLength(10);
    expect((await faultsLeft()).http).toEqual([]);
    expect(testbed.emu.stats().mistral).toEqual({ batches: 1, requests: 10, bytes: chunk.bytes });
    await expectUploadedUnchanged(submitted.inputFileId, chunk);
  });

  describe('at most one batch per chunk', () => {
    /** The SDK itself, to look at what the emulator holds. */
    const sdk = () => new Mistral({ apiKey: 'test', serverURL: serverURL() });

    it('makes the upload and the job create once: a 429 and a 503 each fail an attempt, retryably', async () => {
      testbed.emu.setFaults({
        http: [
          {
            provider: 'mistral',
            method: 'POST',
            path: '^/v1/files$',
            status: 429,
            times: 1,
            retry_after_ms: 0,
          },
          {
            provider: 'mistral',
            method: 'POST',
            path: '^/v1/batch/jobs$',
            status: 503,
            times: 1,
            retry_after_ms: 0,
          },
        ],
      });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(3), chat, 'job-1_r0_c1');

      const unsent = await testbed.adapter.submit(chunk).catch((error: unknown) => error);
      expect(unsent).not.toBeInstanceOf(CreateAfterUploadError);
      expect(unsent).toMatchObject({ status: 429, retryable: true });
      const again = { ...chunk, earlierAttemptsSince: plannedAt };
      const failed = await testbed.adapter.submit(again).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(CreateAfterUploadError);
      expect(failed).toMatchObject({ status: 503, retryable: true });
      expect((await faultsLeft()).http).toEqual([]);
      const submitted = await testbed.adapter.submit(again);

      // The file the second attempt uploaded was found and used by the third.
      expect(submitted.inputFileId).toBe((failed as CreateAfterUploadError).inputFileId);
      expect(testbed.emu.stats().mistral).toEqual({ batches: 1, requests: 3, bytes: chunk.bytes });
      expect((await waitAndCollect(submitted)).results).toHaveLength(3);
    });

    it('does not retry a job create whose answer was lost: one job, a retryable error, and findExisting adopts it', async () => {
      testbed.emu.setFaults({
        drop_response: [{ provider: 'mistral', method: 'POST', path: '^/v1/batch/jobs$', times: 1 }],
      });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(4), chat, 'job-1_r0_c2');

      const lost = await testbed.adapter.submit(chunk).catch((error: unknown) => error);

      expect(lost).toBeInstanceOf(CreateAfterUploadError);
      expect(lost).toMatchObject({ status: null, retryable: true });
      expect(testbed.emu.stats().mistral).toMatchObject({ batches: 1, requests: 4 });
      const jobs = await sdk().batch.jobs.list();
      expect(jobs.total).toBe(1);
      const adopted = await testbed.adapter.findExisting({
        chunkKey: chunk.chunkKey,
        createdAfter: plannedAt,
        requestCount: 4,
        knownBatchIds: new Set(),
      });
      expect(adopted).toEqual({
        providerBatchId: jobs.data?.[0]?.id,
        inputFileId: (lost as CreateAfterUploadError).inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect((await waitAndCollect(adopted!)).results).toHaveLength(4);
    });

    it('uses the file a lost upload answer left, on the next attempt, instead of uploading it again', async () => {
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(4), chat, 'job-1_r0_c3');
      // A file of this chunk's name but another size is not its request file.
      await testbed.adapter.submit(await writeChunk(numbered(1), chat, 'job-1_r0_c3'));
      testbed.emu.setFaults({
        drop_response: [{ provider: 'mistral', method: 'POST', path: '^/v1/files$', times: 1 }],
      });
      const before = testbed.emu.stats().mistral!.bytes;

      const lost = await testbed.adapter.submit(chunk).catch((error: unknown) => error);
      expect(lost).toMatchObject({ status: null, retryable: true });
      const submitted = await testbed.adapter.submit({ ...chunk, earlierAttemptsSince: plannedAt });

      expect(testbed.emu.stats().mistral).toMatchObject({ batches: 2, bytes: before + chunk.bytes });
      const files = await sdk().files.list({ purpose: 'batch' });
      expect(files.data.map((file) => file.id)).toContain(submitted.inputFileId);
      expect(files.total).toBe(2);
      expect((await waitAndCollect(submitted)).results).toHaveLength(4);
    });
  });

  it('throws classified errors when retries run out or the request is wrong', async () => {
    const impatient = newAdapter({ retry: { ...FAST_RETRY, maxElapsedMs: 0 } });
    testbed.emu.setFaults({
      http: [{ provider: 'mistral', method: 'GET', path: '/v1/batch/jobs', status: 429, retry_after_ms: 0 }],
    });
    const limited = await impatient.poll({ providerBatchId: 'x' }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(ProviderCallError);
    expect(limited).toMatchObject({ status: 429, retryable: true });

    testbed.emu.setFaults({});
    const missing = await testbed.adapter
      .poll({ providerBatchId: 'no-such-job' })
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, retryable: false });
    const unknownModel = await testbed.adapter
      .submit(await writeChunk(numbered(1), { ...chat, model: '' }, 'chunk-bad'))
      .catch((error: unknown) => error);
    expect(unknownModel).toMatchObject({ status: 422, retryable: false });
    await expect(testbed.adapter.cancel({ providerBatchId: 'no-such-job' })).rejects.toMatchObject({
      status: 404,
    });

    const offline = newAdapter({
      serverURL: 'http://127.0.0.1:9',
      retry: { ...FAST_RETRY, maxElapsedMs: 0 },
    });
    await expect(offline.poll({ providerBatchId: 'x' })).rejects.toMatchObject({
      status: null,
      retryable: true,
    });
  });

  it('findExisting adopts the job created for a chunk key, never a known one', async () => {
    const plannedAt = new Date(Date.now() - 1000);
    const a = await submit(numbered(2), chat, 'chunk-A');
    const b = await submit(numbered(2), chat, 'chunk-B');
    const query = { createdAfter: plannedAt, requestCount: 2, knownBatchIds: new Set<string>() };
    expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'chunk-A' })).toEqual({
      providerBatchId: a.providerBatchId,
      inputFileId: a.inputFileId,
      recognisedBy: 'chunk_key',
    });
    expect((await testbed.adapter.findExisting({ ...query, chunkKey: 'chunk-B' }))?.providerBatchId).toBe(
      b.providerBatchId,
    );
    expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'chunk-C' })).toBeNull();
    expect(
      await testbed.adapter.findExisting({
        ...query,
        chunkKey: 'chunk-A',
        knownBatchIds: new Set([a.providerBatchId]),
      }),
    ).toBeNull();
    expect(
      await testbed.adapter.findExisting({
        ...query,
        chunkKey: 'chunk-A',
        createdAfter: new Date(Date.now() + 3_600_000),
      }),
    ).toBeNull();

    // If the API ignored the SDK's metadata filter, the adapter still picks the right job.
    await testbed.setProviderOptions('mistral', { list_metadata_filter: 'ignored' });
    expect((await testbed.adapter.findExisting({ ...query, chunkKey: 'chunk-A' }))?.providerBatchId).toBe(
      a.providerBatchId,
    );
    expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'chunk-C' })).toBeNull();
    expect(testbed.emu.stats().mistral!.batches).toBe(2);
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
        error: { type: 'invalid_output', retryable: true },
        usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
      });
    }
  });

  it('runs embedding batches', async () => {
    const context: BatchContext = { jobId: 'job-e', model: 'mistral-embed', kind: 'embedding' };
    const { poll, results } = await run(
      [
        ['e-1', { text: 'hello world' }],
        ['e-2', { text: 'bonjour 🌍' }],
      ],
      context,
    );
    expect(poll.outcome).toBe('completed');
    const one = byId(results).get('e-1');
    expect(one).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens('hello world'), outputTokens: 0 },
    });
    expect(one?.status === 'succeeded' && one.output.embedding).toHaveLength(1024);
  });

  it('asks codestral-embed for the size asked for (output_dimension)', async () => {
    const context: BatchContext = { jobId: 'job-c', model: 'codestral-embed', kind: 'embedding' };
    const { results } = await run(
      [
        ['default', { text: 'fn main() {}' }],
        ['sized', { text: 'fn main() {}', params: { dimensions: 3072 } }],
      ],
      context,
    );
    const sizes = [...byId(results)].map(([id, r]) => [
      id,
      r.status === 'succeeded' ? r.output.embedding?.length : r.status,
    ]);
    expect(Object.fromEntries(sizes)).toEqual({ default: 1536, sized: 3072 });
  });

  it('carries a 1 MB request, and unicode both ways', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const unicode: UnifiedRequest = {
      system: 'Réponds en français 🇫🇷',
      messages: [{ role: 'user', content: 'Ça va? 你好 👨‍👩‍👧 🎉 — «ok»' }],
    };
    const { results } = await run([
      ['big', { messages: [{ role: 'user', content: big }] }],
      ['uni', unicode],
    ]);
    const found = byId(results);
    expect(found.get('big')).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens(big) },
    });
    const uni = found.get('uni');
    expect(uni?.status === 'succeeded' && uni.output.text).toBe(echoText(promptOf(unicode)));
  });

  describe('inline chunks', () => {
    const inline = () => newAdapter({ inline: DEFAULT_INLINE });
    const sdk = () => new Mistral({ apiKey: 'test', serverURL: serverURL() });

    it.each([
      ['outputs_only', 'no output file'],
      ['written', 'an output file as well'],
    ])(
      'sends a small chunk in the create call (no file) and reads its results from the inline outputs (%s: %s)',
      async (files) => {
        await testbed.setProviderOptions('mistral', { inline_result_files: files });
        const adapter = inline();
        const inputs = numbered(12);
        const chunk = await writeChunk(inputs, chat, 'job-1_r0_inline');
        const submitted = await adapter.submit(chunk);
        expect(submitted.inputFileId).toBeNull();
        expect((await sdk().files.list({ purpose: 'batch' })).total).toBe(0);
        const job = await sdk().batch.jobs.get({ jobId: submitted.providerBatchId });
        expect(job.inputFiles).toEqual([]);
        expect(job.metadata).toMatchObject({ tranche_chunk_key: 'job-1_r0_inline' });

        // Whether Mistral also writes an output file for an inline job is not documented: `outputs` is read either way.
        const { poll, results } = await waitAndCollect(submitted, chat, adapter);
        expect(poll).toMatchObject({ outcome: 'completed', counts: { total: 12, completed: 12, failed: 0 } });
        expect(poll.outputFileId === null).toBe(files === 'outputs_only');
        expect(results.map((r) => r.customId).sort()).toEqual(inputs.map(([id]) => id).sort());
        expect(byId(results).get('q-3')).toEqual(
          echoedResult(
            'q-3',
            question(3),
            'stop',
            expect.objectContaining({ prompt_tokens: expect.any(Number) }),
          ),
        );
        await adapter.cleanup!({ ...submitted, ...poll });
        expect((await sdk().files.list({ purpose: 'batch' })).total).toBe(0);
      },
    );

    it('reads failed inline requests from the outputs too, by custom id', async () => {
      const adapter = inline();
      testbed.emu.setFaults({ request_errors: { provider: 'mistral', rate: 0.5, status: 400 } });
      const submitted = await adapter.submit(await writeChunk(numbered(20), chat, 'job-1_r0_inline_err'));
      const { poll, results } = await waitAndCollect(submitted, chat, adapter);
      expect(poll.counts.failed).toBeGreaterThan(0);
      expect(results).toHaveLength(20);
      expect(results.filter((r) => r.status === 'failed')).toHaveLength(poll.counts.failed);
      expect(results.find((r) => r.status === 'failed')).toMatchObject({
        error: { type: 'invalid_request', retryable: false },
      });
    });

    it('uploads a chunk above either bound as a file, as before', async () => {
      const byCount = newAdapter({ inline: { maxRequests: 5, maxBytes: DEFAULT_INLINE.maxBytes } });
      const chunk = await writeChunk(numbered(6), chat, 'job-1_r0_many');
      const submitted = await byCount.submit(chunk);
      await expectUploadedUnchanged(submitted.inputFileId, chunk);
      const { results } = await waitAndCollect(submitted, chat, byCount);
      expect(results).toHaveLength(6);

      const small = await writeChunk(numbered(2), chat, 'job-1_r0_bytes');
      const bySize = newAdapter({ inline: { maxRequests: 1_000, maxBytes: small.bytes - 1 } });
      expect((await bySize.submit(small)).inputFileId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('finds an inline job whose create answer was lost by its metadata, with no input file', async () => {
      const adapter = inline();
      testbed.emu.setFaults({
        drop_response: [{ provider: 'mistral', method: 'POST', path: '^/v1/batch/jobs$', times: 1 }],
      });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(3), chat, 'job-1_r0_lost_inline');

      const lost = await adapter.submit(chunk).catch((error: unknown) => error);

      expect(lost).toBeInstanceOf(ProviderCallError);
      expect(lost).toMatchObject({ status: null, retryable: true });
      expect(testbed.emu.stats().mistral).toMatchObject({ batches: 1, requests: 3 });
      const jobs = await sdk().batch.jobs.list();
      const adopted = await adapter.findExisting({
        chunkKey: chunk.chunkKey,
        createdAfter: plannedAt,
        requestCount: 3,
        knownBatchIds: new Set(),
      });
      expect(adopted).toEqual({
        providerBatchId: jobs.data?.[0]?.id,
        inputFileId: null,
        recognisedBy: 'chunk_key',
      });
      expect((await waitAndCollect(adopted!, chat, adapter)).results).toHaveLength(3);
    });
  });
});
