import { countPromptTokens, countTokens, createGeminiProvider, echoText } from '@tranche/emulator';
import { describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { adapterTestbed, byId, numbered, promptOf } from '../test-support/testbed';
import type { BatchContext } from '../types';
import { geminiDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'gemini-2.5-flash', kind: 'chat' };
const embedding: BatchContext = { jobId: 'job-1', model: 'gemini-embedding-001', kind: 'embedding' };
const KEY = 'test-key';

const testbed = adapterTestbed({
  emulator: { stepMs: 40, seed: 11, providers: [createGeminiProvider] },
  adapter: (emu) =>
    createAdapter(geminiDescriptor, {
      apiKey: KEY,
      baseUrl: `${emu.url}/gemini`,
      retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    }),
  context: chat,
});
const { writeChunk, waitEnded, cancelTwice, collect, run, waitAndCollect } = testbed;

/** The same adapter with a tiny inline threshold: every chat chunk goes through the File API. */
function fileAdapter() {
  return createAdapter(geminiDescriptor, {
    apiKey: KEY,
    baseUrl: `${testbed.emu.url}/gemini`,
    retries: { attempts: 4, initialDelayMs: 5, maxDelayMs: 20 },
    inlineMaxBytes: 1,
  });
}

async function listFiles(): Promise<Array<{ name: string; source: string }>> {
  const response = await fetch(`${testbed.emu.url}/gemini/v1beta/files?pageSize=100`, {
    headers: { 'x-goog-api-key': KEY },
  });
  return ((await response.json()) as { files: Array<{ name: string; source: string }> }).files;
}

describe('GeminiAdapter against the emulator', () => {
  it('runs a small chat chunk inline and matches shuffled inline responses by metadata.key', async () => {
    const requests = numbered(25, 'req', ' ünïcødé 🎉');
    testbed.emu.setFaults({ cached_fraction: 0.5 });
    const chunk = await writeChunk(requests);
    const submitted = await testbed.adapter.submit(chunk);
    expect(submitted.providerBatchId).toMatch(/^batches\/[a-z0-9]{36}$/);
    expect(submitted.inputFileId).toBeNull();
    const phases: string[] = [];
    const poll = await waitEnded(submitted, phases);
    expect(phases).toEqual(['validating', 'running', 'ended']);
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'BATCH_STATE_SUCCEEDED',
      counts: { total: 25, completed: 25, failed: 0 },
      outputFileId: null,
    });
    const results = await collect(submitted);
    expect(results).toHaveLength(25);
    expect(results.map((r) => r.customId)).not.toEqual(requests.map(([id]) => id));
    const prompt = promptOf(requests[3]![1]);
    const text = echoText(prompt);
    expect(byId(results).get('req-3')).toMatchObject({
      status: 'succeeded',
      output: { text, finishReason: 'STOP' },
      usage: {
        inputTokens: countPromptTokens(prompt),
        outputTokens: countTokens(text),
        cachedTokens: Math.floor(countPromptTokens(prompt) * 0.5),
      },
    });
    expect(testbed.emu.stats().gemini).toMatchObject({ batches: 1, requests: 25 });
  });

  it('uploads a file through the SDK above the inline threshold, reads the responses file, cleans up', async () => {
    const adapter = fileAdapter();
    const requests = numbered(12, 'f');
    const chunk = await writeChunk(requests);
    const submitted = await adapter.submit(chunk);
    expect(submitted.inputFileId).toMatch(/^files\/[a-z0-9]+$/);
    const run = await waitAndCollect(submitted, chat, adapter);
    expect(run.poll.outputFileId).toMatch(/^files\/batch-/);
    expect(run.results).toHaveLength(12);
    expect(run.results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(new Set(run.results.map((r) => r.customId))).toEqual(new Set(requests.map(([id]) => id)));
    expect(await listFiles()).toHaveLength(2);
    await adapter.cleanup!(run.ref);
    expect(await listFiles()).toEqual([]);
  });

  it('runs embeddings through asyncBatchEmbedContent with per-request dimensions', async () => {
    const inputs: Array<[string, { text: string; params?: { dimensions: number } }]> = [
      ['e-0', { text: 'alpha' }],
      ['e-1', { text: 'beta', params: { dimensions: 256 } }],
    ];
    const { results, poll } = await run(inputs, embedding);
    expect(poll.outcome).toBe('completed');
    const byKey = byId(results);
    const first = byKey.get('e-0')!;
    const second = byKey.get('e-1')!;
    expect(first.status === 'succeeded' && first.output.embedding!.length).toBe(3072);
    expect(second.status === 'succeeded' && second.output.embedding!.length).toBe(256);
  });

  it('reports injected row errors by key', async () => {
    testbed.emu.setFaults({ request_errors: { rate: 1, status: 429 } });
    const { results, poll } = await run(numbered(3, 'x'));
    expect(poll.counts).toEqual({ total: 3, completed: 0, failed: 3 });
    expect(results.every((r) => r.status === 'failed' && r.error.type === 'rate_limited')).toBe(true);
  });

  it('expires with no results (the 48 h expiry)', async () => {
    testbed.emu.setFaults({ expire: { fraction_completed: 0.5 } });
    const { results, poll } = await run(numbered(4, 'x'));
    expect(poll).toMatchObject({ outcome: 'expired', providerStatus: 'BATCH_STATE_EXPIRED' });
    expect(results).toEqual([]);
  });

  it('fails the batch on validation, with the operation error', async () => {
    testbed.emu.setFaults({ fail_validation: {} });
    const { poll } = await run(numbered(2, 'x'));
    expect(poll).toMatchObject({ outcome: 'failed', failures: [{ code: 'INVALID_ARGUMENT' }] });
  });

  it('cancels (twice is harmless) and ends cancelled', async () => {
    const submitted = await testbed.submit(numbered(5, 'c'));
    await cancelTwice(submitted);
    const poll = await waitEnded(submitted);
    expect(poll).toMatchObject({ outcome: 'cancelled', providerStatus: 'BATCH_STATE_CANCELLED' });
    await testbed.adapter.cancel(submitted);
  });

  it('finds a batch whose create answer was lost by its display name, paging the list', async () => {
    const before = new Date();
    for (let i = 0; i < 3; i++) await testbed.submit(numbered(1, `p${i}`));
    testbed.emu.setFaults({
      drop_response: [{ path: '/v1beta/models/gemini-2.5-flash:batchGenerateContent', times: 1 }],
    });
    const chunk = await writeChunk(numbered(2, 'lost'), chat, 'chunk-lost');
    await expect(testbed.adapter.submit(chunk)).rejects.toBeInstanceOf(ProviderCallError);
    const found = await testbed.adapter.findExisting({
      chunkKey: 'chunk-lost',
      createdAfter: before,
      requestCount: 2,
      knownBatchIds: new Set(),
    });
    expect(found).toMatchObject({
      providerBatchId: expect.stringMatching(/^batches\//),
      recognisedBy: 'chunk_key',
    });
    expect(testbed.emu.stats().gemini?.batches).toBe(4);
    expect(
      await testbed.adapter.findExisting({
        chunkKey: 'chunk-lost',
        createdAfter: before,
        requestCount: 2,
        knownBatchIds: new Set([found!.providerBatchId]),
      }),
    ).toBeNull();
  });

  it('keeps the uploaded file after a create that may have worked, and uses it again on the next attempt', async () => {
    const adapter = fileAdapter();
    const createPath = '/v1beta/models/gemini-2.5-flash:batchGenerateContent';
    testbed.emu.setFaults({ http: [{ path: createPath, status: 503, times: 1 }] });
    const chunk = await writeChunk(numbered(4, 'k'), chat, 'chunk-kept');
    const failed = await adapter.submit(chunk).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(CreateAfterUploadError);
    const uploaded = testbed.emu.stats().gemini?.bytes;
    expect(await listFiles()).toHaveLength(1);
    const again = await adapter.submit({ ...chunk, earlierAttemptsSince: new Date(Date.now() - 60_000) });
    expect(testbed.emu.stats().gemini?.bytes).toBe(uploaded);
    expect(again.inputFileId).toBe((await listFiles())[0]!.name);
    expect((await waitAndCollect(again, chat, adapter)).results).toHaveLength(4);
  });

  it('deletes the uploaded file when the create is refused', async () => {
    const adapter = fileAdapter();
    testbed.emu.setFaults({
      http: [{ path: '/v1beta/models/gemini-2.5-flash:batchGenerateContent', status: 400, times: 1 }],
    });
    const chunk = await writeChunk(numbered(2, 'r'));
    await expect(adapter.submit(chunk)).rejects.toMatchObject({ status: 400, retryable: false });
    expect(await listFiles()).toEqual([]);
  });

  it('refuses a request without the API key', async () => {
    const response = await fetch(`${testbed.emu.url}/gemini/v1beta/batches`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED' } });
  });
});
