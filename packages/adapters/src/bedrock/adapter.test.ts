import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createAwsProviders } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, echoedResult, numbered, question } from '../test-support/testbed';
import type { BatchContext } from '../types';
import { bedrockDescriptor } from './descriptor';
import { bedrockEmulatorEnv, bedrockEnvSchema, bedrockOptionsFromEnv } from './env';
import type { BedrockOptions } from './options';

const chat: BatchContext = {
  jobId: 'job-1',
  model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
  kind: 'chat',
};
const BUCKET = 'tranche-emulator';
const PART = 5 * 1024 * 1024;

/** The options a worker makes from the emulator's variables, uploads cut into S3's smallest parts. */
function emulatorOptions(url: string): BedrockOptions {
  const made = bedrockOptionsFromEnv(bedrockEnvSchema.parse(bedrockEmulatorEnv(url)));
  if (!('options' in made)) throw new Error(`bedrock emulator env misses ${made.missing}`);
  return { ...made.options, uploadPartBytes: PART };
}

const testbed = adapterTestbed({
  emulator: { stepMs: 40, seed: 11, providers: [createAwsProviders] },
  adapter: (emu) => createAdapter(bedrockDescriptor, emulatorOptions(emu.url)),
  context: chat,
});
const { writeChunk, submit, pollUntil, waitEnded, cancelTwice, collect, waitAndCollect, run, faultsLeft } =
  testbed;

/** The bucket's keys under `prefix`, read through an SDK client of the test's own. */
async function listBucket(prefix: string): Promise<string[]> {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: `${testbed.emu.url}/s3`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (page.Contents ?? []).map((object) => object.Key!);
  } finally {
    s3.destroy();
  }
}

const CREATE = { provider: 'bedrock', method: 'POST', path: '^/model-invocation-job$' };

describe('BedrockAdapter against the emulator', () => {
  it('uploads, creates, polls through the statuses and reads shuffled results with Claude usage', async () => {
    const requests = numbered(120, 'req', ' ünïcødé 🎉');
    const chunk = await writeChunk(requests);
    const submitted = await testbed.adapter.submit(chunk);
    expect(submitted.providerBatchId).toMatch(
      /^arn:aws:bedrock:us-east-1:000000000000:model-invocation-job\/[a-z0-9]{12}$/,
    );
    expect(submitted.inputFileId).toBe(`s3://${BUCKET}/tranche/job-1/${chunk.chunkKey}/input.jsonl`);

    const phases: string[] = [];
    const ref = { providerBatchId: submitted.providerBatchId, inputFileId: submitted.inputFileId };
    const poll = await waitEnded(ref, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    const jobId = submitted.providerBatchId.split('/').pop();
    expect(poll).toEqual({
      phase: 'ended',
      outcome: 'completed',
      providerStatus: 'Completed',
      counts: { total: 120, completed: 120, failed: 0 },
      outputFileId: `s3://${BUCKET}/tranche/job-1/${chunk.chunkKey}/out/${jobId}/`,
      errorFileId: null,
    });

    const results = await collect({ ...ref, outputFileId: poll.outputFileId });
    expect(results).toHaveLength(120);
    expect(results.map((r) => r.customId)).not.toEqual(requests.map(([id]) => id));
    const one = byId(results).get('req-7')!;
    const expected = echoedResult('req-7', requests[7]![1], 'end_turn', {});
    // Anthropic's usage object, kept as Bedrock gave it.
    expect(one).toMatchObject({ ...expected, usage: { ...expected.usage, raw: expect.any(Object) } });
    expect(one.usage?.raw).toMatchObject({
      input_tokens: expected.usage!.inputTokens,
      output_tokens: expected.usage!.outputTokens,
    });
    expect(testbed.emu.stats().bedrock).toMatchObject({ batches: 1, requests: 120, bytes: chunk.bytes });

    // Without the output folder, the adapter finds it through the job.
    expect(await collect(ref)).toHaveLength(120);

    // Cleanup takes the chunk's input and output (manifest included), nothing else.
    const other = await submit(numbered(100, 'o'));
    expect(await listBucket(`tranche/job-1/${chunk.chunkKey}/`)).toEqual(
      expect.arrayContaining([
        `tranche/job-1/${chunk.chunkKey}/input.jsonl`,
        `tranche/job-1/${chunk.chunkKey}/out/${jobId}/input.jsonl.out`,
        `tranche/job-1/${chunk.chunkKey}/out/${jobId}/manifest.json.out`,
      ]),
    );
    await testbed.adapter.cleanup!(ref);
    expect(await listBucket(`tranche/job-1/${chunk.chunkKey}/`)).toEqual([]);
    expect(await listBucket(other.inputFileId!.replace(`s3://${BUCKET}/`, ''))).toHaveLength(1);
  });

  it('sends a request file larger than a part in several parts, and reads it all back', async () => {
    // Some 6 MB: two parts of S3's smallest size.
    const requests = numbered(100, 'big', ` ${'lorem ipsum '.repeat(5_000)}`);
    const { poll, results } = await run(requests);
    expect(poll.outcome).toBe('completed');
    expect(results).toHaveLength(100);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(testbed.emu.stats().bedrock?.bytes).toBeGreaterThan(PART);
  });

  it('reports failed records with the right retryable flags, whatever type errorCode has', async () => {
    for (const type of ['number', 'string']) {
      testbed.emu.resetAll();
      await testbed.setProviderOptions('bedrock', { error_code_type: type });
      testbed.emu.setFaults({ request_errors: { provider: 'bedrock', rate: 0.3, status: 429 } });
      const { poll, results } = await run([
        ...numbered(100, 'e'),
        ['bad', { ...question(100), params: { max_tokens: 0 } }],
      ]);
      expect(poll.outcome).toBe('completed');
      expect(poll.counts.total).toBe(101);
      expect(poll.counts.failed).toBeGreaterThan(1);
      expect(results).toHaveLength(101);
      const failed = results.filter((r) => r.status === 'failed');
      expect(failed).toHaveLength(poll.counts.failed);
      expect(byId(results).get('bad')).toMatchObject({
        status: 'failed',
        error: { type: 'invalid_request', code: '400', retryable: false },
      });
      for (const result of failed.filter((r) => r.customId !== 'bad')) {
        expect(result).toMatchObject({
          error: { type: 'rate_limited', code: '429', retryable: true },
          usage: null,
        });
      }
    }
  });

  it('reads what a PartiallyCompleted job processed: the rest is left to expire', async () => {
    testbed.emu.setFaults({ expire: { provider: 'bedrock', fraction_completed: 0.5, times: 1 } });
    const { poll, results } = await run(numbered(100, 'x'));
    expect(poll).toMatchObject({
      phase: 'ended',
      outcome: 'expired',
      providerStatus: 'PartiallyCompleted',
      counts: { total: 100, completed: 50, failed: 0 },
    });
    expect(results).toHaveLength(50);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
  });

  it('ends Expired with no results when the job never started', async () => {
    testbed.emu.setFaults({ expire: { provider: 'bedrock', fraction_completed: 0, times: 1 } });
    const { poll, results } = await run(numbered(100, 'n'));
    expect(poll).toMatchObject({ outcome: 'expired', providerStatus: 'Expired' });
    expect(results).toEqual([]);
  });

  it('fails the whole batch with Bedrock’s message when the job fails validation (fewer than 100 records)', async () => {
    const { poll, results } = await run(numbered(99, 'few'));
    expect(poll).toMatchObject({ phase: 'ended', outcome: 'failed', providerStatus: 'Failed' });
    expect(poll.failures).toEqual([
      { code: 'Failed', message: expect.stringContaining('less than the minimum of 100'), line: null },
    ]);
    expect(results).toEqual([]);
  });

  it('stops a running job, keeps what it processed, and stopping it again is harmless', async () => {
    testbed.emu.setFaults({ slow_factor: 5 });
    const submitted = await submit(numbered(100, 'c'));
    const ref = { providerBatchId: submitted.providerBatchId };
    await pollUntil(ref, (poll) => poll.providerStatus === 'InProgress' && poll.counts.completed > 0);
    const between = await cancelTwice(ref);
    expect(['cancelling', 'ended']).toContain(between.phase);
    const { poll, results } = await waitAndCollect(ref);
    expect(poll).toMatchObject({ outcome: 'cancelled', providerStatus: 'Stopped' });
    expect(poll.counts.completed).toBeGreaterThan(0);
    expect(poll.counts.completed).toBeLessThan(100);
    expect(results).toHaveLength(poll.counts.completed);
    await testbed.adapter.cancel(ref);
  });

  it('refuses to stop a job that completed: a Conflict the adapter reads as done', async () => {
    const { ref } = await run(numbered(100, 'done'));
    await expect(testbed.adapter.cancel(ref)).resolves.toBeUndefined();
  });

  it('absorbs throttling and 5xx on reads and on the upload with the SDK retries (one job created)', async () => {
    testbed.emu.setFaults({
      http: [
        { provider: 'bedrock', method: 'GET', status: 429, times: 1 },
        { provider: 'bedrock', method: 'GET', status: 503, times: 1 },
        { provider: 's3', method: 'PUT', status: 500, times: 1 },
        { provider: 's3', method: 'GET', status: 503, times: 2 },
      ],
    });
    const { poll, results } = await run(numbered(100, 'r'));
    expect(poll.outcome).toBe('completed');
    expect(results).toHaveLength(100);
    expect(testbed.emu.stats().bedrock).toMatchObject({ batches: 1, requests: 100 });
    expect((await faultsLeft()).http).toEqual([]);
  });

  it('embeds with Titan Text Embeddings V2 at the size each record asks for', async () => {
    const titan: BatchContext = { jobId: 'job-1', model: 'amazon.titan-embed-text-v2:0', kind: 'embedding' };
    const inputs = Array.from(
      { length: 100 },
      (_, i): [string, { text: string; params?: { dimensions: number } }] => [
        `v-${i}`,
        { text: `passage ${i}`, ...(i === 0 ? { params: { dimensions: 256 } } : {}) },
      ],
    );
    const { poll, results } = await run(inputs, titan);
    expect(poll.outcome).toBe('completed');
    const vectors = byId(results);
    expect(vectors.get('v-0')).toMatchObject({ status: 'succeeded', usage: { outputTokens: 0 } });
    const size = (id: string) => {
      const result = vectors.get(id)!;
      return result.status === 'succeeded' ? result.output.embedding?.length : null;
    };
    expect([size('v-0'), size('v-1')]).toEqual([256, 1024]);
    expect(vectors.get('v-1')!.usage!.inputTokens).toBeGreaterThan(0);
  });

  describe('at most one job per chunk', () => {
    it('makes the create call once after a lost answer: the job is adopted by its token, and a resend gets the same job', async () => {
      testbed.emu.setFaults({ drop_response: [{ ...CREATE, times: 1 }] });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(100), chat, 'job-1_r0_c4');

      const lost = await testbed.adapter.submit(chunk).catch((e: unknown) => e);

      expect(lost).toBeInstanceOf(CreateAfterUploadError);
      expect(lost).toMatchObject({
        status: null,
        retryable: true,
        inputFileId: `s3://${BUCKET}/tranche/job-1/job-1_r0_c4/input.jsonl`,
      });
      expect(testbed.emu.stats().bedrock).toMatchObject({ batches: 1, requests: 100 });
      const query = { chunkKey: chunk.chunkKey, createdAfter: plannedAt, requestCount: 100 };
      const adopted = await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set() });
      expect(adopted).toEqual({
        providerBatchId: expect.stringMatching(/model-invocation-job\/[a-z0-9]{12}$/),
        inputFileId: (lost as CreateAfterUploadError).inputFileId,
        recognisedBy: 'chunk_key',
      });
      // Had the listing missed it, the next attempt's create carries the same token: Bedrock answers the same job,
      // and the request file the first attempt uploaded is used again.
      const resent = await testbed.adapter.submit({ ...chunk, earlierAttemptsSince: plannedAt });
      expect(resent.providerBatchId).toBe(adopted!.providerBatchId);
      expect(testbed.emu.stats().bedrock).toEqual({ batches: 1, requests: 100, bytes: chunk.bytes });
      expect((await waitAndCollect(adopted!)).results).toHaveLength(100);
    });

    it('fails a throttled create at once, without a second job, and the next attempt sends no byte again', async () => {
      testbed.emu.setFaults({ http: [{ ...CREATE, status: 429, times: 2 }] });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(100), chat, 'job-1_r0_c5');
      const limited = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(CreateAfterUploadError);
      expect(limited).toMatchObject({ status: 429, retryable: true, code: 'ThrottlingException' });
      // One create call went out: the SDK did not try it again.
      expect((await faultsLeft()).http).toMatchObject([{ status: 429, times: 1 }]);
      testbed.emu.setFaults({});
      const submitted = await testbed.adapter.submit({ ...chunk, earlierAttemptsSince: plannedAt });
      expect(testbed.emu.stats().bedrock).toEqual({ batches: 1, requests: 100, bytes: chunk.bytes });
      expect((await waitAndCollect(submitted)).results).toHaveLength(100);
    });

    it('waits for room when the account has too many jobs in flight (ServiceQuotaExceeded), keeping the file', async () => {
      await testbed.setProviderOptions('bedrock', { max_active_jobs_per_model: 1 });
      testbed.emu.setFaults({ slow_factor: 5 });
      await submit(numbered(100, 'first'));
      const chunk = await writeChunk(numbered(100, 'second'), chat, 'job-1_r0_c6');
      const refused = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CreateAfterUploadError);
      expect(refused).toMatchObject({ status: 400, retryable: true, code: 'ServiceQuotaExceededException' });
      expect(await listBucket('tranche/job-1/job-1_r0_c6/')).toEqual([
        'tranche/job-1/job-1_r0_c6/input.jsonl',
      ]);
    });

    it('deletes the request file when the create is refused for good', async () => {
      const chunk = await writeChunk(
        numbered(100),
        { ...chat, model: 'meta.llama3-8b-instruct-v1:0' },
        'job-1_r0_c7',
      );
      const refused = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ProviderCallError);
      expect(refused).not.toBeInstanceOf(CreateAfterUploadError);
      expect(refused).toMatchObject({ status: 400, retryable: false, code: 'ValidationException' });
      expect(await listBucket('tranche/job-1/job-1_r0_c7/')).toEqual([]);
    });

    it('findExisting adopts the job of its own chunk only: not a known one, not one whose name contains it', async () => {
      const submitted = await submit(numbered(100, 'a'), chat, 'job-1_r0_c1');
      const longer = await submit(numbered(100, 'b'), chat, 'job-1_r0_c12');
      const query = {
        chunkKey: 'job-1_r0_c1',
        createdAfter: new Date(Date.now() - 60_000),
        requestCount: 100,
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
      expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-1_r0_c12' })).toMatchObject({
        providerBatchId: longer.providerBatchId,
      });
      expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-1_r0_c9' })).toBeNull();
      // Jobs submitted before the chunk was planned (beyond the clock-skew margin) are not its.
      expect(
        await testbed.adapter.findExisting({ ...query, createdAfter: new Date(Date.now() + 3_600_000) }),
      ).toBeNull();
    });
  });

  it('throws classified errors: retryable when retries run out, final and 404 for an unknown job', async () => {
    const unknown = 'arn:aws:bedrock:us-east-1:000000000000:model-invocation-job/zzzzzzzzzzzz';
    testbed.emu.setFaults({ http: [{ provider: 'bedrock', method: 'GET', status: 503, times: 10 }] });
    const error = await testbed.adapter.poll({ providerBatchId: unknown }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 503, retryable: true });
    testbed.emu.setFaults({});
    const missing = await testbed.adapter.poll({ providerBatchId: unknown }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, retryable: false, code: 'ResourceNotFoundException' });
  });
});
