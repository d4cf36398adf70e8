import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

let stack: Stack;

beforeAll(async () => {
  // Two requests per batch, and room for two requests of gpt-4o-mini at the provider at a time: one batch.
  stack = await startStack({
    name: 'provider-quotas',
    workers: 2,
    env: {
      CHUNK_MAX_REQUESTS: '2',
      PROVIDER_QUOTAS: JSON.stringify({ 'openai/gpt-4o-mini': { requests: 2 } }),
      QUOTA_RECHECK_MS: '500',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a job over its provider quota, through API → workers → emulator', () => {
  it('shows the chunks waiting for quota in its view, and sends them as earlier batches end', async () => {
    const client = clientFor(stack);
    const { job_id: jobId } = await client.submit(chatJob(6));

    const held = await waitFor('two chunks of the job to wait for quota', async () => {
      const view = await client.get(jobId);
      return view.waiting_for_quota === 2 && view;
    });
    const waiting = held.batches.filter((b) => b.waiting_for_quota_since !== null);
    expect(waiting).toHaveLength(2);
    for (const batch of waiting) {
      expect(batch).toMatchObject({ state: 'planned', provider_batch_id: null, requests: 2 });
      expect(Date.parse(batch.waiting_for_quota_since!)).not.toBeNaN();
      expect(batch.estimated_input_tokens).toBeGreaterThan(0);
    }

    const done = await client.wait(jobId, waitOptions());
    expect(done.status).toBe('completed');
    expectReconciled(done.reconciliation);
    expect(done.reconciliation).toMatchObject({ submitted: 6, succeeded: 6, failed: 0, retried: 0 });
    expect(done.waiting_for_quota).toBe(0);
    expect(done.batches.map((b) => [b.state, b.outcome, b.waiting_for_quota_since])).toEqual([
      ['fetched', 'completed', null],
      ['fetched', 'completed', null],
      ['fetched', 'completed', null],
    ]);
    // One batch at the provider at a time: each went out after the one before it had ended.
    const ran = [...done.batches].sort((a, b) => Date.parse(a.submitted_at!) - Date.parse(b.submitted_at!));
    for (let i = 1; i < ran.length; i++) {
      expect(Date.parse(ran[i]!.submitted_at!)).toBeGreaterThanOrEqual(Date.parse(ran[i - 1]!.ended_at!));
    }
  });
});
