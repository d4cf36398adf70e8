import { createGroqProvider } from '@tranche/emulator';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { ProviderCallError } from '../errors';
import { CHUNK_KEY_METADATA } from '../metadata';
import { adapterTestbed, byId, echoedResult, numbered } from '../test-support/testbed';
import type { BatchAdapter, BatchContext } from '../types';
import type { GroqOptions } from './client';
import { groqDescriptor } from './descriptor';

const chat: BatchContext = { jobId: 'job-1', model: 'llama-3.1-8b-instant', kind: 'chat' };
const KEY = 'gsk-test';
const DAY_S = 24 * 3600;

const newAdapter = (options: Partial<GroqOptions> = {}): BatchAdapter =>
  createAdapter(groqDescriptor, {
    apiKey: KEY,
    baseURL: `${testbed.emu.url}/groq/openai/v1`,
    maxRetries: 2,
    ...options,
  });

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 50, seed: 9, providers: [createGroqProvider] },
  adapter: () => newAdapter(),
  context: chat,
});
const { writeChunk, submit, waitAndCollect, run, faultsLeft } = testbed;

/** The SDK as Groq's OpenAI compatibility page uses it, to look at what the emulator holds. */
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({ apiKey: KEY, baseURL: `${testbed.emu.url}/groq/openai/v1`, maxRetries: 0 });
});

/** Counts calls to `[method, path]` with zero-length delay faults, which each matching call uses up once. */
const COUNTER = 10_000;
async function countCalls(...calls: Array<[method: string, path: string]>): Promise<void> {
  const delay = calls.map(([method, path]) => ({ provider: 'groq', method, path, ms: 0, times: COUNTER }));
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

/** Groq's batch list as it answers it, one page. */
async function listPage(cursor?: string) {
  const query = cursor === undefined ? '' : `?cursor=${encodeURIComponent(cursor)}`;
  const response = await fetch(`${testbed.emu.url}/groq/openai/v1/batches${query}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { data: Array<{ id: string }>; paging?: { next_cursor?: string } };
}

describe('groq adapter against the emulator', () => {
  it('uploads in one call, runs a 24 h batch and reads its shuffled results with usage', async () => {
    const inputs = numbered(5);
    await countCalls(['POST', '^/files$'], ['POST', '^/batches$']);
    const seen: string[] = [];
    const submitted = await submit(inputs);
    const poll = await testbed.waitEnded(submitted, seen);
    expect(seen).toEqual(expect.arrayContaining(['validating', 'running', 'ended']));
    expect(poll).toMatchObject({
      outcome: 'completed',
      providerStatus: 'completed',
      counts: { total: 5, completed: 5 },
    });
    expect(await callCounts()).toEqual({ 'POST ^/files$': 1, 'POST ^/batches$': 1 });

    const { results } = await waitAndCollect(submitted);
    const got = byId(results);
    for (const [id, request] of inputs) {
      expect(got.get(id)).toEqual(echoedResult(id, request, 'stop', expect.anything()));
    }
    const batch = await client.batches.retrieve(submitted.providerBatchId);
    expect(batch.completion_window).toBe('24h');
    expect(batch.expires_at! - batch.created_at).toBe(DAY_S);
    // Groq's file object has no status: the adapter needs none to go on.
    expect(await client.files.retrieve(submitted.inputFileId!)).not.toHaveProperty('status');
  });

  it('sends the completion window it is configured with: 7d is accepted, and the batch expires a week after', async () => {
    const weekly = newAdapter({ completionWindow: '7d' });
    const submitted = await weekly.submit(await writeChunk(numbered(2)));
    const batch = await client.batches.retrieve(submitted.providerBatchId);
    expect(batch.completion_window).toBe('7d');
    expect(batch.expires_at! - batch.created_at).toBe(7 * DAY_S);
    const { poll, results } = await waitAndCollect(submitted, chat, weekly);
    expect(poll.outcome).toBe('completed');
    expect(results).toHaveLength(2);

    // A window Groq does not take is refused at create, for good, and the file uploaded for it is deleted.
    const filesBefore = (await client.files.list()).data.length;
    const error = await newAdapter({ completionWindow: '8d' })
      .submit(await writeChunk(numbered(1)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect((error as Error).message).toMatch(/durations from '24h' to '7d'/);
    expect((await client.files.list()).data).toHaveLength(filesBefore);
  });

  it('reports a batch that failed validation with the reasons Groq lists as a bare array', async () => {
    const inputs = numbered(3);
    inputs[2] = ['q-0', inputs[2]![1]];
    const { ref, poll, results } = await run(inputs);
    expect(Array.isArray((await client.batches.retrieve(ref.providerBatchId)).errors)).toBe(true);
    expect(poll).toMatchObject({ phase: 'ended', outcome: 'failed', providerStatus: 'failed' });
    expect(poll.failures).toEqual([
      { code: 'duplicate_custom_id', message: "Line 3: custom_id 'q-0' is not unique.", line: 3 },
    ]);
    expect(results).toEqual([]);
  });

  describe('findExisting', () => {
    it('pages the batch list past its first page with cursor, where the SDK’s own list stops', async () => {
      // The chunk's batch first, then 25 others: newest first, it is on the second page of 20.
      const wanted = await submit(numbered(1), chat, 'job-1_r0_c0');
      const { input_file_id } = await client.batches.retrieve(wanted.providerBatchId);
      for (let i = 1; i <= 25; i++) {
        await client.batches.create({
          input_file_id,
          endpoint: '/v1/chat/completions',
          completion_window: '24h',
          metadata: { [CHUNK_KEY_METADATA]: `job-1_r0_c${i}` },
        });
      }
      const first = await listPage();
      expect(first.data).toHaveLength(20);
      expect(first.data.map((b) => b.id)).not.toContain(wanted.providerBatchId);
      const second = await listPage(first.paging!.next_cursor);
      expect(second.data.map((b) => b.id)).toContain(wanted.providerBatchId);
      expect(second.paging?.next_cursor).toBeUndefined();
      // The SDK pages with `after` while `has_more`, which Groq does not send: it reads the first page only.
      const sdkListed: string[] = [];
      for await (const batch of client.batches.list({ limit: 100 })) sdkListed.push(batch.id);
      expect(sdkListed).toHaveLength(20);

      const query = {
        chunkKey: 'job-1_r0_c0',
        createdAfter: new Date(Date.now() - 60_000),
        requestCount: 1,
        knownBatchIds: new Set<string>(),
      };
      await countCalls(['GET', '^/batches$']);
      expect(await testbed.adapter.findExisting(query)).toEqual({
        providerBatchId: wanted.providerBatchId,
        inputFileId: wanted.inputFileId,
        recognisedBy: 'chunk_key',
      });
      expect(await callCounts()).toEqual({ 'GET ^/batches$': 2 });

      // Unknown keys, known batches and batches older than the chunk are read past, to the end of the list.
      testbed.emu.setFaults({});
      await countCalls(['GET', '^/batches$']);
      expect(await testbed.adapter.findExisting({ ...query, chunkKey: 'job-9_r0_c0' })).toBeNull();
      expect(
        await testbed.adapter.findExisting({ ...query, knownBatchIds: new Set([wanted.providerBatchId]) }),
      ).toBeNull();
      expect(
        await testbed.adapter.findExisting({ ...query, createdAfter: new Date(Date.now() + 3_600_000) }),
      ).toBeNull();
      expect(await callCounts()).toEqual({ 'GET ^/batches$': 6 });
    });

    it('adopts the batch a create whose answer was lost made, instead of creating another', async () => {
      testbed.emu.setFaults({
        drop_response: [{ provider: 'groq', method: 'POST', path: '^/batches$', times: 1 }],
      });
      const plannedAt = new Date();
      const chunk = await writeChunk(numbered(3), chat, 'job-1_r0_c3');
      const lost = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
      expect(lost).toBeInstanceOf(CreateAfterUploadError);
      expect(lost).toMatchObject({ status: null, retryable: true });

      const adopted = await testbed.adapter.findExisting({
        chunkKey: chunk.chunkKey,
        createdAfter: plannedAt,
        requestCount: 3,
        knownBatchIds: new Set(),
      });
      const [made] = (await listPage()).data;
      expect(adopted).toEqual({
        providerBatchId: made!.id,
        inputFileId: (lost as CreateAfterUploadError).inputFileId,
        recognisedBy: 'chunk_key',
      });
      const { results } = await waitAndCollect(adopted!);
      expect(results).toHaveLength(3);
      expect(testbed.emu.stats().groq).toMatchObject({ batches: 1 });
    });
  });

  it('uses the file a lost upload answer left, found in the files list read whole, instead of uploading again', async () => {
    const plannedAt = new Date();
    const chunk = await writeChunk(numbered(4), chat, 'job-1_r0_c4');
    // Another chunk's file, and one of this chunk's name but another size: neither is this chunk's request file.
    await client.files.create({ file: new File(['{}\n'], 'job-1_r0_c5.jsonl'), purpose: 'batch' });
    await client.files.create({ file: new File(['{}\n'], 'job-1_r0_c4.jsonl'), purpose: 'batch' });
    testbed.emu.setFaults({
      drop_response: [{ provider: 'groq', method: 'POST', path: '^/files$', times: 1 }],
    });
    await countCalls(['POST', '^/files$'], ['GET', '^/files$'], ['POST', '^/batches$']);

    const lost = await testbed.adapter.submit(chunk).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ProviderCallError);
    expect(lost).toMatchObject({ status: null, retryable: true });
    const submitted = await testbed.adapter.submit({ ...chunk, earlierAttemptsSince: plannedAt });

    expect(await callCounts()).toEqual({ 'POST ^/files$': 1, 'GET ^/files$': 1, 'POST ^/batches$': 1 });
    expect(await client.files.retrieve(submitted.inputFileId!)).toMatchObject({
      filename: 'job-1_r0_c4.jsonl',
      bytes: chunk.bytes,
    });
    const { results } = await waitAndCollect(submitted);
    expect(results).toHaveLength(4);
  });

  it('cancels a running batch, and cleans up its files; a second cleanup is harmless', async () => {
    testbed.emu.setFaults({ slow_factor: 20 });
    const submitted = await submit(numbered(50));
    await testbed.pollUntil(submitted, (poll) => poll.phase === 'running');
    expect(await testbed.cancelTwice(submitted)).toMatchObject({ providerStatus: 'cancelling' });
    const { ref, poll } = await waitAndCollect(submitted);
    expect(poll.outcome).toBe('cancelled');

    await testbed.adapter.cleanup!(ref);
    expect((await client.files.list()).data).toEqual([]);
    await expect(testbed.adapter.cleanup!(ref)).resolves.toBeUndefined();
  });

  it('is refused without a key', async () => {
    const response = await fetch(`${testbed.emu.url}/groq/openai/v1/batches`);
    expect(response.status).toBe(401);
  });
});
