import { createTogetherProvider } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, echoedResult, numbered, question } from '../test-support/testbed';
import { describeUnreadableLines } from '../test-support/unreadable-lines';
import type { BatchContext } from '../types';
import { togetherDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', kind: 'chat' };
const KEY = 'test-key';

const testbed = adapterTestbed({
  emulator: { stepMs: 40, seed: 5, providers: [createTogetherProvider] },
  adapter: (emu) =>
    createAdapter(togetherDescriptor, {
      apiKey: KEY,
      baseUrl: `${emu.url}/together/v1`,
      retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    }),
  context: chat,
});
const { writeChunk, waitEnded, cancelTwice, run, waitAndCollect } = testbed;

interface WireFile {
  id: string;
  filename: string;
  bytes: number;
}

async function listFiles(): Promise<WireFile[]> {
  const response = await fetch(`${testbed.emu.url}/together/v1/files`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  return ((await response.json()) as { data: WireFile[] }).data;
}

/** Waits until the batch's own `progress` (percent) is above `percent`; the poll result carries no progress. */
async function progressAbove(batchId: string, percent: number): Promise<void> {
  for (;;) {
    const response = await fetch(`${testbed.emu.url}/together/v1/batches/${batchId}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    const { progress } = (await response.json()) as { progress: number };
    if (progress > percent) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('TogetherAdapter against the emulator', () => {
  it('uploads through the signed URL, runs a chunk, reads shuffled output by custom id, and cleans up', async () => {
    testbed.emu.setFaults({ cached_fraction: 0.5 });
    const inputs = numbered(20, 'req', ' ünïcødé 🎉');
    const chunk = await writeChunk(inputs, chat, 'chunk-whole');
    const submitted = await testbed.adapter.submit(chunk);
    expect(submitted.providerBatchId).toMatch(/^[0-9a-f-]{36}$/);
    expect(submitted.inputFileId).toMatch(/^file-/);
    // The file is named after the chunk, and holds exactly what was written.
    expect(await listFiles()).toEqual([
      expect.objectContaining({
        id: submitted.inputFileId,
        filename: 'chunk-whole.jsonl',
        bytes: chunk.bytes,
      }),
    ]);

    const phases: string[] = [];
    const poll = await waitEnded(submitted, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'COMPLETED',
      counts: { total: 0, completed: 0, failed: 0 },
      outputFileId: expect.stringMatching(/^file-/),
      errorFileId: null,
    });
    const { results, ref } = await waitAndCollect(submitted);
    expect(results).toHaveLength(20);
    expect(results.map((r) => r.customId)).not.toEqual(inputs.map(([id]) => id));
    const [, request] = inputs[7]!;
    const expected = echoedResult('req-7', request, 'stop', expect.any(Object));
    const got = byId(results).get('req-7');
    expect(got).toMatchObject({
      ...expected,
      usage: { ...expected.usage, cachedTokens: expect.any(Number) },
    });
    expect(got?.usage?.cachedTokens).toBe(Math.floor(got!.usage!.inputTokens * 0.5));
    expect(testbed.emu.stats().together).toMatchObject({ batches: 1, requests: 20, bytes: chunk.bytes });

    expect(await listFiles()).toHaveLength(2);
    await testbed.adapter.cleanup!(ref);
    expect(await listFiles()).toEqual([]);
    // A second cleanup finds the files gone, which is what it wanted.
    await testbed.adapter.cleanup!(ref);
  });

  it('fails one request in the error file while its neighbours land', async () => {
    const inputs = numbered(5, 'n');
    inputs[2] = ['n-2', { ...question(2), params: { max_tokens: 0 } }];
    const { results, poll } = await run(inputs);
    expect(poll).toMatchObject({ outcome: 'completed', errorFileId: expect.stringMatching(/^file-/) });
    expect(results).toHaveLength(5);
    const failed = byId(results).get('n-2');
    expect(failed).toMatchObject({
      status: 'failed',
      error: { type: 'invalid_request', code: 'invalid_request', retryable: false },
    });
    expect(
      results
        .filter((r) => r.status === 'succeeded')
        .map((r) => r.customId)
        .sort(),
    ).toEqual(['n-0', 'n-1', 'n-3', 'n-4']);
  });

  it('reads an injected server error as retryable, for the worker to send again', async () => {
    testbed.emu.setFaults({ request_errors: { rate: 1, status: 500 } });
    const { results } = await run(numbered(3, 'x'));
    expect(results).toHaveLength(3);
    expect(
      results.every((r) => r.status === 'failed' && r.error.type === 'server_error' && r.error.retryable),
    ).toBe(true);
  });

  it('finds a batch whose create answer was lost by its request file’s name, and never one it already has', async () => {
    const before = new Date();
    for (let i = 0; i < 2; i++) await testbed.submit(numbered(1, `p${i}`));
    testbed.emu.setFaults({ drop_response: [{ method: 'POST', path: '^/v1/batches$', times: 1 }] });
    const chunk = await writeChunk(numbered(2, 'lost'), chat, 'chunk-lost');
    await expect(testbed.adapter.submit(chunk)).rejects.toBeInstanceOf(ProviderCallError);
    expect(testbed.emu.stats().together?.batches).toBe(3);

    const query = {
      chunkKey: 'chunk-lost',
      createdAfter: before,
      requestCount: 2,
      knownBatchIds: new Set<string>(),
    };
    const found = await testbed.adapter.findExisting(query);
    const lostFile = (await listFiles()).find((f) => f.filename === 'chunk-lost.jsonl');
    expect(found).toEqual({
      providerBatchId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      inputFileId: lostFile?.id,
      recognisedBy: 'chunk_key',
    });
    expect((await waitAndCollect(found!)).results).toHaveLength(2);
    expect(
      await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set([found!.providerBatchId]) }),
    ).toBeNull();
    // Another chunk's file, or one older than the chunk, is not taken for it.
    expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'chunk-other' })).toBeNull();
    expect(
      await testbed.adapter.findExisting({ ...query, createdAfter: new Date(Date.now() + 3_600_000) }),
    ).toBeNull();
  });

  it('keeps the uploaded file after a create that may have worked, and uses it again on the next attempt', async () => {
    testbed.emu.setFaults({ http: [{ method: 'POST', path: '^/v1/batches$', status: 503, times: 1 }] });
    const chunk = await writeChunk(numbered(4, 'k'), chat, 'chunk-kept');
    const failed = await testbed.adapter.submit(chunk).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(CreateAfterUploadError);
    const uploaded = testbed.emu.stats().together?.bytes;
    const [file] = await listFiles();
    const again = await testbed.adapter.submit({
      ...chunk,
      earlierAttemptsSince: new Date(Date.now() - 60_000),
    });
    expect(testbed.emu.stats().together?.bytes).toBe(uploaded);
    expect(again.inputFileId).toBe(file?.id);
    expect((await waitAndCollect(again)).results).toHaveLength(4);
  });

  it('deletes the uploaded file when the create is refused', async () => {
    testbed.emu.setFaults({ http: [{ method: 'POST', path: '^/v1/batches$', status: 400, times: 1 }] });
    const chunk = await writeChunk(numbered(2, 'r'));
    await expect(testbed.adapter.submit(chunk)).rejects.toMatchObject({ status: 400, retryable: false });
    expect(await listFiles()).toEqual([]);
  });

  it('absorbs 429 and 503 answers on reads', async () => {
    const submitted = await testbed.submit(numbered(3, 'g'));
    testbed.emu.setFaults({
      http: [
        { method: 'GET', status: 503, times: 2 },
        { method: 'GET', status: 429, times: 1 },
      ],
    });
    const { results } = await waitAndCollect(submitted);
    expect(results).toHaveLength(3);
    expect(await testbed.faultsLeft()).toMatchObject({ http: [] });
  });

  it('cancels a running batch (twice is harmless), keeping what finished', async () => {
    testbed.emu.setFaults({ slow_factor: 25 });
    const submitted = await testbed.submit(numbered(40, 'c'));
    // Together reports a percentage only: once some requests are done, cancel.
    await progressAbove(submitted.providerBatchId, 0);
    const between = await cancelTwice(submitted);
    expect(between.phase).toBe('running');
    const { poll, results } = await waitAndCollect(submitted);
    expect(poll).toMatchObject({ outcome: 'cancelled', providerStatus: 'CANCELLED' });
    expect(results.length).toBeGreaterThan(0);
    expect(results.length).toBeLessThan(40);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    // Cancelling an ended batch is refused by Together; the adapter takes that as done.
    await testbed.adapter.cancel(submitted);
  });

  it('cancels a batch still validating: it ends at once, with no results', async () => {
    testbed.emu.setFaults({ slow_factor: 100 });
    const submitted = await testbed.submit(numbered(3, 'v'));
    await testbed.adapter.cancel(submitted);
    const { poll, results } = await waitAndCollect(submitted);
    expect(poll).toMatchObject({ outcome: 'cancelled', outputFileId: null, errorFileId: null });
    expect(results).toEqual([]);
  });

  it('fails the batch on validation, with Together’s error as the reason', async () => {
    testbed.emu.setFaults({ fail_validation: {} });
    const { poll, results } = await run(numbered(2, 'f'));
    expect(poll).toMatchObject({
      outcome: 'failed',
      providerStatus: 'FAILED',
      failures: [{ code: 'batch_failed', message: expect.stringContaining('validation') }],
    });
    expect(results).toEqual([]);
  });

  it('fails a batch on a model Together does not run in batches', async () => {
    const { poll } = await run(numbered(2, 'd'), { ...chat, model: 'deepseek-ai/DeepSeek-R1' });
    expect(poll).toMatchObject({
      outcome: 'failed',
      failures: [{ message: expect.stringContaining('deepseek-ai/DeepSeek-R1') }],
    });
  });

  it('keeps what finished before an expiry, and nothing of the rest', async () => {
    testbed.emu.setFaults({ expire: { fraction_completed: 0.5 } });
    const { poll, results } = await run(numbered(10, 'e'));
    expect(poll).toMatchObject({ outcome: 'expired', providerStatus: 'EXPIRED' });
    expect(results).toHaveLength(5);
  });
});

describeUnreadableLines(testbed, { chat, truncatedKeepsId: true });
