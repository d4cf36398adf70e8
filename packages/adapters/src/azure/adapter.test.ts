import { createAzureProvider } from '@tranche/emulator';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../compose-adapter';
import { CreateAfterUploadError } from '../create-after-upload';
import { statedQueueLimit } from '../queue-full';
import { adapterTestbed, byId, echoedResult, numbered } from '../test-support/testbed';
import type { BatchAdapter, BatchContext } from '../types';
import { azureBaseURL } from './client';
import { azureDescriptor } from './descriptor';

// The job's model is the deployment's name; the emulator serves any deployment as a model of that name.
const chat: BatchContext = { jobId: 'job-1', model: 'gpt-4o-mini', kind: 'chat' };
const KEY = 'azure-test-key';

const testbed = adapterTestbed({
  emulator: { port: 0, stepMs: 50, seed: 9, providers: [createAzureProvider] },
  adapter: (emu): BatchAdapter =>
    createAdapter(azureDescriptor, {
      endpoint: `${emu.url}/azure`,
      auth: { kind: 'key', apiKey: KEY },
      maxRetries: 2,
    }),
  context: chat,
});
const { submit, waitAndCollect, run } = testbed;

/** The SDK as Azure's how-to uses it against the v1 API, to look at what the emulator holds. */
let client: OpenAI;
beforeAll(() => {
  client = new OpenAI({
    apiKey: KEY,
    baseURL: azureBaseURL(`${testbed.emu.url}/azure`),
    defaultHeaders: { 'api-key': KEY, Authorization: null },
    maxRetries: 0,
  });
});

describe('azure adapter against the emulator', () => {
  it('uploads with an expiry, waits for the file to be processed, runs the batch and reads its results', async () => {
    const inputs = numbered(3);
    const { ref, poll, results } = await run(inputs);
    expect(poll).toMatchObject({ phase: 'ended', outcome: 'completed', counts: { total: 3, completed: 3 } });
    const got = byId(results);
    for (const [id, request] of inputs) {
      expect(got.get(id)).toEqual(echoedResult(id, request, 'stop', expect.anything()));
    }
    const file = await client.files.retrieve(ref.inputFileId!);
    expect(file.status).toBe('processed');
    // `expires_after` of 14 days lifts the resource's file cap from 500 to 10,000.
    expect(file.expires_at! - file.created_at).toBe(14 * 24 * 3600);
    // Azure keeps running a batch past 24 h: no deadline is given.
    expect((await client.batches.retrieve(ref.providerBatchId)).expires_at).toBeNull();
  });

  it('is refused without a key, with Azure’s 401', async () => {
    const response = await fetch(`${testbed.emu.url}/azure/openai/v1/batches`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: '401' } });
    expect(
      (await fetch(`${testbed.emu.url}/azure/openai/v1/batches`, { headers: { 'api-key': KEY } })).status,
    ).toBe(200);
  });

  it("fails a batch over the deployment's enqueued-token quota in Azure's words, with a limit the worker reads", async () => {
    testbed.emu.setFaults({ azure_enqueued_token_limit: { tokens: 5, deployment: 'gpt-4o-mini' } });
    const submitted = await submit(numbered(2));
    const { poll } = await waitAndCollect(submitted);
    expect(poll.outcome).toBe('failed');
    expect(poll.failures?.[0]?.message).toMatch(/configured limit of 5 for the deployment 'gpt-4o-mini'/);
    expect(statedQueueLimit(poll.failures)).toBe(5);
  });

  it('takes a fail-fast refusal at create as retryable, keeping the file for the next attempt', async () => {
    testbed.emu.setFaults({ azure_enqueued_token_limit: { tokens: 30_000, fail_fast: true } });
    const big = numbered(2, 'q', ' padding'.repeat(20_000));
    const error = await submit(big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CreateAfterUploadError);
    expect(error).toMatchObject({ retryable: true, code: 'token_limit_exceeded', status: 400 });
    expect((error as Error).message).toMatch(/configured limit of 30K/);
    const kept = (error as CreateAfterUploadError).inputFileId;
    expect((await client.files.retrieve(kept)).status).toBe('processed');
  });
});
