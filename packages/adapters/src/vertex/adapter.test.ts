import { countPromptTokens, countTokens, createGoogleProviders, echoText } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, numbered, promptOf, question } from '../test-support/testbed';
import type { BatchContext, UnifiedRequest } from '../types';
import { vertexDescriptor } from './descriptor';

const BUCKET = 'tranche-test';
const chat: BatchContext = { jobId: 'job-1', model: 'gemini-2.5-flash', kind: 'chat' };

const adapterAt = (emu: { url: string }, location: string) =>
  createAdapter(vertexDescriptor, {
    project: 'test-proj',
    location,
    bucket: BUCKET,
    baseUrl: `${emu.url}/vertex`,
    gcsApiEndpoint: `${emu.url}/gcs`,
    accessToken: 'test-token',
    retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    uploadChunkBytes: 256 * 1024,
  });

const testbed = adapterTestbed({
  emulator: { stepMs: 40, seed: 11, providers: [createGoogleProviders] },
  adapter: (emu) =>
    createAdapter(vertexDescriptor, {
      project: 'test-proj',
      location: 'us-central1',
      bucket: BUCKET,
      baseUrl: `${emu.url}/vertex`,
      gcsApiEndpoint: `${emu.url}/gcs`,
      accessToken: 'test-token',
      retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
      uploadChunkBytes: 256 * 1024,
    }),
  context: chat,
});
const { writeChunk, submit, pollUntil, waitEnded, cancelTwice, collect, waitAndCollect, run, faultsLeft } =
  testbed;

async function listBucket(prefix: string): Promise<string[]> {
  const response = await fetch(
    `${testbed.emu.url}/gcs/storage/v1/b/${BUCKET}/o?prefix=${encodeURIComponent(prefix)}`,
  );
  const body = (await response.json()) as { items?: Array<{ name: string }> };
  return (body.items ?? []).map((item) => item.name);
}

describe('VertexAdapter against the emulator', () => {
  it('submits, polls through the states and fetches shuffled results with usage', async () => {
    const requests = numbered(30, 'req', ' ünïcødé 🎉');
    testbed.emu.setFaults({ cached_fraction: 0.5 });
    const chunk = await writeChunk(requests);
    const submitted = await testbed.adapter.submit(chunk);
    expect(submitted.providerBatchId).toMatch(
      /^projects\/\d+\/locations\/us-central1\/batchPredictionJobs\/\d+$/,
    );
    expect(submitted.inputFileId).toBe(`gs://${BUCKET}/tranche/job-1/${chunk.chunkKey}/input.jsonl`);

    const phases: string[] = [];
    const ref = { providerBatchId: submitted.providerBatchId, inputFileId: submitted.inputFileId };
    const poll = await waitEnded(ref, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'JOB_STATE_SUCCEEDED',
      counts: { total: 30, completed: 30, failed: 0 },
    });
    expect(poll.outputFileId).toMatch(
      new RegExp(`^gs://${BUCKET}/tranche/job-1/.+/output/prediction-model-`),
    );

    const results = await collect({ ...ref, outputFileId: poll.outputFileId });
    expect(results).toHaveLength(30);
    expect(results.map((r) => r.customId)).not.toEqual(requests.map(([id]) => id));
    const one = byId(results).get('req-3')!;
    const prompt = promptOf(requests[3]![1]);
    const text = echoText(prompt);
    expect(one).toMatchObject({
      status: 'succeeded',
      output: { text, finishReason: 'STOP' },
      usage: {
        inputTokens: countPromptTokens(prompt),
        outputTokens: countTokens(text),
        cachedTokens: Math.floor(countPromptTokens(prompt) * 0.5),
      },
    });
    expect(one.usage?.raw).toHaveProperty('totalTokenCount');
    expect(testbed.emu.stats().vertex).toEqual({ batches: 1, requests: 30, bytes: chunk.bytes });

    // Without the output directory the adapter finds it through the job.
    expect(await collect(ref)).toHaveLength(30);

    await testbed.adapter.cleanup!(ref);
    expect(await listBucket(`tranche/job-1/${chunk.chunkKey}/`)).toEqual([]);
  });

  it('reports per-request failures with the right retryable flags, under either partial-failure state', async () => {
    for (const state of ['JOB_STATE_SUCCEEDED', 'JOB_STATE_PARTIALLY_SUCCEEDED']) {
      testbed.emu.resetAll();
      await testbed.setProviderOptions('vertex', { partial_failure_state: state });
      testbed.emu.setFaults({ request_errors: { provider: 'vertex', rate: 0.4, status: 429 } });
      const { poll, results } = await run([
        ...numbered(20, 'e'),
        ['bad', { ...question(20), params: { max_tokens: 0 } }],
      ]);
      expect(poll.providerStatus).toBe(state);
      expect(poll.outcome).toBe('completed');
      expect(poll.counts.total).toBe(21);
      expect(poll.counts.failed).toBeGreaterThan(1);

      expect(results).toHaveLength(21);
      const failed = results.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(poll.counts.failed);
      const bad = byId(results).get('bad');
      expect(bad).toMatchObject({
        status: 'failed',
        error: { type: 'invalid_request', code: 'INVALID_ARGUMENT', retryable: false },
      });
      for (const result of failed.filter((r) => r.customId !== 'bad')) {
        expect(result).toMatchObject({
          error: { type: 'rate_limited', code: 'RESOURCE_EXHAUSTED', retryable: true },
          usage: null,
        });
      }
    }
  });

  it('expires with partial results', async () => {
    testbed.emu.setFaults({ expire: { provider: 'vertex', fraction_completed: 0.5 } });
    const { poll, results } = await run(numbered(40, 'x'));
    expect(poll).toMatchObject({ outcome: 'expired', counts: { total: 40, completed: 20, failed: 0 } });
    expect(results).toHaveLength(20);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('cancels mid-run with partial results, and cancelling an ended batch is not an error', async () => {
    testbed.emu.setFaults({ slow_factor: 5 });
    const submitted = await submit(numbered(100, 'c'));
    const ref = { providerBatchId: submitted.providerBatchId };
    await pollUntil(ref, (poll) => poll.phase === 'running' && poll.counts.completed > 0);
    await cancelTwice(ref);
    const { poll, results } = await waitAndCollect(ref);
    expect(poll.outcome).toBe('cancelled');
    expect(poll.counts.completed).toBeGreaterThan(0);
    expect(poll.counts.completed).toBeLessThan(100);
    expect(poll.counts.total).toBe(100);
    expect(results).toHaveLength(poll.counts.completed);
    await testbed.adapter.cancel(ref);
  });

  it('absorbs 429 and 5xx on reads and on the upload with the SDK retries (one batch created)', async () => {
    testbed.emu.setFaults({
      http: [
        { provider: 'vertex', method: 'GET', status: 503, times: 1 },
        { provider: 'gcs', method: 'PUT', status: 500, times: 1 },
        // A listing (retried by the storage SDK) and a download (retried by the adapter: the SDK does not).
        { provider: 'gcs', method: 'GET', path: '^/storage/v1/b/[^/]+/o$', status: 429, times: 1 },
        { provider: 'gcs', method: 'GET', path: '^/storage/v1/b/[^/]+/o/.+', status: 503, times: 2 },
      ],
    });
    const { poll, results } = await run([['a', question(1)]]);
    expect(poll.outcome).toBe('completed');
    expect(results.map((r) => r.customId)).toEqual(['a']);
    expect(testbed.emu.stats().vertex).toMatchObject({ batches: 1, requests: 1 });
    expect((await faultsLeft()).http).toEqual([]);
  });

  describe('at most one batch per chunk', () => {
    const CREATE = {
      provider: 'vertex',
      method: 'POST',
      path: '^/v1/projects/[^/]+/locations/[^/]+/batchPredictionJobs$',
    };

    it('does not retry a job create whose answer was lost: one job, a retryable error, and findExisting adopts it', async () => {
      testbed.emu.setFaults({ drop_response: [{ ...CREATE, times: 1 }] });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(3), chat, 'job-1_r0_c4');

      const lost = await testbed.adapter.submit(chunk).catch((e: unknown) => e);

      expect(lost).toBeInstanceOf(CreateAfterUploadError);
      expect(lost).toMatchObject({
        status: null,
        retryable: true,
        inputFileId: `gs://${BUCKET}/tranche/job-1/job-1_r0_c4/input.jsonl`,
      });
      expect(testbed.emu.stats().vertex).toMatchObject({ batches: 1, requests: 3 });
      const adopted = await testbed.adapter.findExisting({
        chunkKey: chunk.chunkKey,
        createdAfter: plannedAt,
        requestCount: 3,
        knownBatchIds: new Set(),
      });
      expect(adopted).toEqual({
        providerBatchId: expect.stringMatching(/batchPredictionJobs\/\d+$/),
        inputFileId: (lost as CreateAfterUploadError).inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect((await waitAndCollect(adopted!)).results).toHaveLength(3);
    });

    it('makes the create call once: a 429 fails the attempt, and the next one sends no byte of the file again', async () => {
      testbed.emu.setFaults({ http: [{ ...CREATE, status: 429, times: 2 }] });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(3), chat, 'job-1_r0_c5');

      const limited = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(CreateAfterUploadError);
      expect(limited).toMatchObject({ status: 429, retryable: true });
      expect((await faultsLeft()).http).toMatchObject([{ status: 429, times: 1 }]);
      testbed.emu.setFaults({});
      const submitted = await testbed.adapter.submit({ ...chunk, earlierAttemptsSince: plannedAt });

      // The object the first attempt wrote already held the file: the upload was not made again.
      expect(testbed.emu.stats().vertex).toEqual({ batches: 1, requests: 3, bytes: chunk.bytes });
      expect((await waitAndCollect(submitted)).results).toHaveLength(3);
    });

    it('deletes the request file when the create is refused for good', async () => {
      testbed.emu.setFaults({ http: [{ ...CREATE, status: 400, times: 1 }] });
      const chunk = await writeChunk(numbered(1), chat, 'job-1_r0_c6');
      await expect(testbed.adapter.submit(chunk)).rejects.toMatchObject({ status: 400, retryable: false });
      expect(await listBucket('tranche/job-1/job-1_r0_c6/')).toEqual([]);
    });
  });

  it('throws classified errors when retries run out or the request is wrong', async () => {
    testbed.emu.setFaults({ http: [{ provider: 'vertex', method: 'GET', status: 503, times: 10 }] });
    const error = await testbed.adapter
      .poll({ providerBatchId: 'projects/1/locations/us-central1/batchPredictionJobs/1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    testbed.emu.setFaults({});
    const missing = await testbed.adapter
      .poll({ providerBatchId: 'projects/1/locations/us-central1/batchPredictionJobs/1' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, retryable: false });
  });

  it('findExisting adopts the batch created for a chunk key, never a known one', async () => {
    const submitted = await submit([['a', question(1)]], chat, 'job-1_r0_c7');
    await submit([['b', question(1)]], chat, 'job-1_r0_c8');
    const query = {
      chunkKey: 'job-1_r0_c7',
      createdAfter: new Date(Date.now() - 60_000),
      requestCount: 1,
      knownBatchIds: new Set<string>(),
    };
    expect(await testbed.adapter.findExisting(query)).toEqual({
      providerBatchId: submitted.providerBatchId,
      inputFileId: submitted.inputFileId,
      recognisedBy: 'chunk_key',
    });
    expect(
      await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set([submitted.providerBatchId]) }),
    ).toBeNull();
    expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-1_r0_c9' })).toBeNull();
    expect(
      await testbed.adapter.findExisting({ ...query, createdAfter: new Date(Date.now() + 3_600_000) }),
    ).toBeNull();
  });

  it('returns structured output as JSON, and invalid JSON as a retryable invalid_output with usage', async () => {
    const withSchema: BatchContext = {
      ...chat,
      output: {
        name: 'answer',
        schema: {
          type: 'object',
          properties: { city: { type: 'string' }, rank: { type: 'integer', minimum: 1 } },
          required: ['city', 'rank'],
          additionalProperties: false,
        },
      },
    };
    testbed.emu.setFaults({ invalid_json_rate: 0.5 });
    const { results } = await run(numbered(20, 's'), withSchema);
    const valid = results.filter((r) => r.status === 'succeeded');
    const invalid = results.filter((r) => r.status === 'failed');
    expect(valid.length).toBeGreaterThan(0);
    expect(invalid.length).toBeGreaterThan(0);
    for (const result of valid)
      expect(result).toMatchObject({ output: { json: { city: 'string', rank: 1 } } });
    for (const result of invalid) {
      expect(result).toMatchObject({ error: { type: 'invalid_output', retryable: true } });
      expect(result.usage?.inputTokens).toBeGreaterThan(0);
    }
  });

  it('runs embedding batches', async () => {
    const embedding: BatchContext = { jobId: 'job-e', model: 'text-embedding-005', kind: 'embedding' };
    const { results } = await run(
      [
        ['e-1', { text: 'hello world' }],
        ['Ü/2 🎉', { text: 'ünïcødé 🎉' }],
      ],
      embedding,
    );
    const found = byId(results);
    expect(found.get('e-1')).toMatchObject({
      status: 'succeeded',
      usage: { inputTokens: countTokens('hello world'), outputTokens: 0 },
    });
    const other = found.get('Ü/2 🎉');
    const vector = other?.status === 'succeeded' ? other.output.embedding : undefined;
    expect(vector).toHaveLength(768);
    expect(Math.hypot(...vector!)).toBeCloseTo(1, 5);
  });

  it('sets the vector size of an embedding job in its modelParameters', async () => {
    const embedding: BatchContext = {
      jobId: 'job-d',
      model: 'text-embedding-005',
      kind: 'embedding',
      dimensions: 256,
    };
    const { results } = await run([['e-1', { text: 'hello world', params: { dimensions: 256 } }]], embedding);
    const one = byId(results).get('e-1');
    expect(one?.status === 'succeeded' && one.output.embedding).toHaveLength(256);
  });

  it('carries a 1 MB request and custom ids labels cannot hold, unicode both ways', async () => {
    const big = `${'🎉ünï'.repeat(40)}${'x'.repeat(1024 * 1024)}`;
    const bigRequest: UnifiedRequest = { system: 'Be terse.', messages: [{ role: 'user', content: big }] };
    const ids = ['Big/ONE', 'ünïcødé id 🎉 with spaces and a long tail '.repeat(4)];
    const chunk = await writeChunk([
      [ids[0]!, bigRequest],
      [ids[1]!, { system: 'Be terse.', messages: [{ role: 'user', content: 'short 🎉' }] }],
    ]);
    expect(chunk.bytes).toBeGreaterThan(1024 * 1024);
    const { poll, results } = await waitAndCollect(await testbed.adapter.submit(chunk));
    expect(poll.counts.completed).toBe(2);
    const found = byId(results);
    expect([...found.keys()].sort()).toEqual([...ids].sort());
    const text = (found.get(ids[0]!) as { output: { text: string } }).output.text;
    expect(text).toBe(echoText(promptOf(bigRequest)));
    expect(text).toContain('🎉ünï');
  });

  it('reads every shard of a sharded output', async () => {
    await testbed.setProviderOptions('vertex', { shard_lines: 7 });
    const { results } = await run(numbered(25, 'sh'));
    expect(new Set(results.map((r) => r.customId)).size).toBe(25);
  });

  describe('the global endpoint', () => {
    it('runs a Gemini batch job under locations/global, polled and read like a regional one', async () => {
      const global = adapterAt(testbed.emu, 'global');
      const inputs = numbered(5);
      const submitted = await global.submit(await writeChunk(inputs, chat, 'job-1_r0_global'));
      expect(submitted.providerBatchId).toMatch(
        /^projects\/\d+\/locations\/global\/batchPredictionJobs\/\d+$/,
      );
      const { poll, results } = await waitAndCollect(submitted, chat, global);
      expect(poll).toMatchObject({ outcome: 'completed', counts: { total: 5, completed: 5, failed: 0 } });
      expect(results.map((r) => r.customId).sort()).toEqual(inputs.map(([id]) => id).sort());
      await global.cleanup!({ ...submitted, ...poll });
      expect(await listBucket('tranche/job-1/job-1_r0_global/')).toEqual([]);
    });

    it('reads a job at the location in its name, whatever the location is now', async () => {
      // Submitted while the worker was regional; GOOGLE_CLOUD_LOCATION has moved to global since.
      const regional = await submit(numbered(2), chat, 'job-1_r0_moved');
      expect(regional.providerBatchId).toContain('/locations/us-central1/');
      const global = adapterAt(testbed.emu, 'global');
      const { poll, results } = await waitAndCollect(regional, chat, global);
      expect(poll.outcome).toBe('completed');
      expect(await global.poll(regional)).toMatchObject({ phase: 'ended', outcome: 'completed' });
      expect(results).toHaveLength(2);
      // The emulator keeps jobs per location, as Vertex does (a read at the wrong one is a 404): the cancel of the
      // ended job reaches it too, and is the no-op it should be.
      await expect(global.cancel(regional)).resolves.toBeUndefined();
    });

    it('refuses a tuned model on global before uploading anything', async () => {
      const global = adapterAt(testbed.emu, 'global');
      const tuned: BatchContext = { ...chat, model: 'projects/123/locations/us-central1/endpoints/456' };
      const refused = await global
        .submit(await writeChunk(numbered(1), tuned, 'job-1_r0_tuned'))
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ProviderCallError);
      expect(refused).toMatchObject({ retryable: false, code: 'unsupported_location' });
      expect(await listBucket('tranche/job-1/job-1_r0_tuned/')).toEqual([]);
      expect(testbed.emu.stats().vertex?.batches ?? 0).toBe(0);
    });
  });
});
