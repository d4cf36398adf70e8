import { randomBytes } from 'node:crypto';
import { jobIds } from '@tranche/queues';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, waitOptions } from '../support/client';
import { chatJob } from '../support/jobs';
import { REDIS_URL, type Stack, startStack } from '../support/stack';
import { waitFor } from '../support/wait';

/**
 * OpenAI's batch webhooks end to end: the emulator POSTs its signed `batch.*` event to the API the moment a batch
 * ends, and the API wakes that batch's poll. The jobs here poll once an hour, so a job that finishes at all within
 * the test finished because a callback woke its poll; a forged callback wakes nothing, and polling still works
 * without any callback.
 */
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const HOUR_S = 3600;

let stack: Stack;
let pollQueue: Queue;

beforeAll(async () => {
  stack = await startStack({ name: 'provider-callbacks', env: { OPENAI_WEBHOOK_SECRET: SECRET } });
  pollQueue = new Queue('poll', { connection: { url: REDIS_URL }, prefix: stack.prefix });
});

afterEach(() => {
  stack.emulator.setWebhooks('openai', null);
});

afterAll(async () => {
  await pollQueue?.close();
  await stack?.stop();
});

const callbackUrl = () => `${stack.apiUrl}/v1/provider-callbacks/openai`;

interface BatchTimes {
  id: string;
  providerBatchId: string;
  state: string;
  /** Seconds from the batch's submission to the poll that saw it end (null while it has not). */
  endedAfterS: number | null;
}

async function batchesOf(jobId: string): Promise<BatchTimes[]> {
  return stack.sql<BatchTimes[]>`
    select id, provider_batch_id as "providerBatchId", state,
           extract(epoch from ended_at - submitted_at)::float8 as "endedAfterS"
    from provider_batches where job_id = ${jobId} order by chunk_key`;
}

describe("OpenAI's batch webhooks", () => {
  it('finish a job long before its next scheduled poll: each batch ended, the callback woke its poll', async () => {
    // Each event delivered twice under one webhook-id, as at-least-once delivery may: acted on once.
    stack.emulator.setWebhooks('openai', { url: callbackUrl(), secret: SECRET, deliveries: 2 });
    const client = clientFor(stack);
    const submitted = await client.submit(
      chatJob(30, { options: { poll_interval_s: HOUR_S }, metadata: { project: 'e2e', owner: 'callbacks' } }),
    );
    const view = await client.wait(submitted.job_id, waitOptions());
    expect(view.status).toBe('completed');
    expect(view.reconciliation).toMatchObject({ submitted: 30, succeeded: 30, failed: 0, pending: 0 });
    const batches = await batchesOf(submitted.job_id);
    expect(batches.length).toBeGreaterThan(0);
    for (const batch of batches) {
      // The first scheduled poll of a batch is poll_interval_s after its submission: it was seen to end before.
      expect(batch.endedAfterS).not.toBeNull();
      expect(batch.endedAfterS!).toBeLessThan(HOUR_S);
      const [recorded] = await stack.sql<{ n: number }[]>`
        select count(*)::int as n from provider_callbacks
        where provider = 'openai' and provider_batch_id = ${batch.providerBatchId}`;
      expect(recorded?.n).toBe(1);
    }
    // Both copies of each event are answered 200 (the second as a replay), though only one woke the poll.
    const attempts = await waitFor('both deliveries of every event to be answered', async () => {
      const sent = stack.emulator.webhookAttempts('openai');
      return sent.length >= 2 * batches.length && sent;
    });
    expect(attempts.map((attempt) => attempt.status)).toEqual(attempts.map(() => 200));
    expect(attempts).toHaveLength(2 * batches.length);
    expect(new Set(attempts.map((attempt) => attempt.subject))).toEqual(
      new Set(batches.map((batch) => batch.providerBatchId)),
    );
  });

  it('signed with another key, are refused and wake nothing: the batch sleeps until its scheduled poll', async () => {
    stack.emulator.setWebhooks('openai', {
      url: callbackUrl(),
      secret: SECRET,
      sign_with: `whsec_${randomBytes(32).toString('base64')}`,
    });
    const client = clientFor(stack);
    const submitted = await client.submit(
      chatJob(5, { options: { poll_interval_s: HOUR_S }, metadata: { project: 'e2e', owner: 'forged' } }),
    );
    const [batch] = await waitFor('the batch to be at the provider', async () => {
      const found = await batchesOf(submitted.job_id);
      return found.length === 1 && found[0]!.state === 'submitted' && found;
    });
    // The emulator's batch ends and its forged event is refused, each retry too.
    await waitFor('the forged deliveries to be refused', async () => {
      const attempts = stack.emulator.webhookAttempts('openai');
      return attempts.length >= 2 && attempts.every((attempt) => attempt.status === 401);
    });
    const [row] = await stack.sql<{ state: string; provider_status: string | null }[]>`
      select state, provider_status from provider_batches where id = ${batch!.id}`;
    expect(row).toEqual({ state: 'submitted', provider_status: null });
    expect(await pollQueue.getJobState(jobIds.poll(batch!.id))).toBe('delayed');
    const [recorded] = await stack.sql<{ n: number }[]>`
      select count(*)::int as n from provider_callbacks where provider_batch_id = ${batch!.providerBatchId}`;
    expect(recorded?.n).toBe(0);
    await client.cancel(submitted.job_id);
  });

  it('are not needed: with none configured, the scheduled poll sees the batch end', async () => {
    const client = clientFor(stack);
    const submitted = await client.submit(
      chatJob(5, { options: { poll_interval_s: 0.5 }, metadata: { project: 'e2e', owner: 'polling' } }),
    );
    const view = await client.wait(submitted.job_id, waitOptions());
    expect(view.status).toBe('completed');
    expect(stack.emulator.webhookAttempts('openai')).toEqual([]);
  });
});
