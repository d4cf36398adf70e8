import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    name: 'pipeline',
    workers: 2,
    env: { CHUNK_MAX_REQUESTS: '1000', PROVIDER_FILE_RETENTION_H: '0' },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a job through API → worker → emulator → results', () => {
  it('runs 3,000 inputs to completion, results in input order with the caller ids', async () => {
    const before = openaiStats();
    const job = chatJob(3000, { metadata: { project: 'e2e', owner: 'tests', run_id: 'pipeline-1' } });
    const client = clientFor(stack);
    const submitted = await client.submit(job);
    const view = await client.wait(submitted.job_id, waitOptions());
    expect(view.status).toBe('completed');
    expect(view.reconciliation).toMatchObject({ submitted: 3000, succeeded: 3000, failed: 0, pending: 0 });
    expectReconciled(view.reconciliation);
    expect(view.batches).toHaveLength(3);
    expect(view.usage.input_tokens).toBeGreaterThan(0);
    const lines = await Array.fromAsync(client.results(submitted.job_id));
    expect(lines).toHaveLength(3000);
    lines.forEach((line, i) => {
      expect(line.id).toBe(`doc-${i}`);
      expect(line.status).toBe('succeeded');
    });
    expect(sentSince(before)).toEqual({ batches: 3, requests: 3000 });

    // The same inputs under the same run_id again: nothing is sent, earlier results come back.
    const replay = await client.submit(job);
    expect(replay).toMatchObject({ status: 'completed', skipped_done: 3000, to_send: 0 });
    const replayView = await client.wait(replay.job_id, waitOptions());
    expect(replayView.reconciliation).toMatchObject({ submitted: 3000, succeeded: 3000, skipped_done: 3000 });
    const replayLines = await Array.fromAsync(client.results(replay.job_id));
    expect(replayLines.map((l) => l.output)).toEqual(lines.map((l) => l.output));
    expect(sentSince(before)).toEqual({ batches: 3, requests: 3000 });
  });

  it('deletes the provider-side files of fetched batches once the retention has passed', async () => {
    const job = chatJob(1500, { metadata: { project: 'e2e', owner: 'tests', run_id: 'pipeline-retention' } });
    const api = clientFor(stack);
    const jobId = (await api.submit(job)).job_id;
    expect((await api.wait(jobId, waitOptions())).status).toBe('completed');

    // This job's batches (CHUNK_MAX_REQUESTS 1000: two), each with the files the worker put at the provider.
    const batches = await stack.sql<{ inputFileId: string | null; outputFileId: string | null }[]>`
      select input_file_id as "inputFileId", output_file_id as "outputFileId"
      from provider_batches where job_id = ${jobId}`;
    expect(batches).toHaveLength(2);
    const fileIds = batches.flatMap((b) => [b.inputFileId, b.outputFileId]);
    expect(fileIds.every((id) => typeof id === 'string')).toBe(true);

    await waitFor('every batch of the job to be cleaned', async () => {
      const [row] = await stack.sql<{ n: number }[]>`
        select count(*)::int as n from provider_batches where job_id = ${jobId} and cleaned_at is null`;
      return row?.n === 0;
    });
    const client = new OpenAI({ apiKey: 'test', baseURL: stack.emulator.openaiBaseUrl });
    for (const id of fileIds) {
      await expect(client.files.retrieve(id!)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    }
    const listed = [];
    for await (const file of client.files.list()) listed.push(file.id);
    expect(listed.filter((id) => fileIds.includes(id))).toEqual([]);
  });
});

/** What the emulator's OpenAI side has accepted so far (the stack's emulator is shared by the tests of this file). */
function openaiStats(): { batches: number; requests: number } {
  const { batches = 0, requests = 0 } = stack.emulator.stats().openai ?? {};
  return { batches, requests };
}

function sentSince(before: { batches: number; requests: number }): { batches: number; requests: number } {
  const now = openaiStats();
  return { batches: now.batches - before.batches, requests: now.requests - before.requests };
}
