import { DESCRIPTORS } from '@tranche/adapters';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS } from '../conformance/targets';
import { clientFor, waitOptions } from '../support/client';
import { chatJob, expectReconciled } from '../support/jobs';
import { type Stack, startStack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ name: 'lost-create', workers: 1 });
});
afterAll(async () => {
  await stack?.stop();
});

/** Each provider's batch create call, as the emulator's fault paths name it (from its conformance target). */
const CREATES = TARGETS.map(({ provider, createPath }) => ({
  provider,
  model: DESCRIPTORS[provider].demo.chatModel,
  path: createPath,
}));

// As many requests as every provider takes in one batch (AWS Bedrock's minimum is 100 records).
const REQUESTS = Math.max(30, ...TARGETS.map((target) => target.minRequests ?? 0));

describe('a batch create whose answer is lost', () => {
  it('is not made again on any provider: the next attempt adopts the batch, and every request goes out once', async () => {
    stack.emulator.resetAll();
    // Each provider creates the batch, then the connection drops before the worker hears back.
    stack.emulator.setFaults({
      drop_response: CREATES.map(({ provider, path }) => ({ provider, method: 'POST', path, times: 1 })),
    });
    const client = clientFor(stack);
    const jobIds = await Promise.all(
      CREATES.map(
        async ({ provider, model }) => (await client.submit(chatJob(REQUESTS, { provider, model }))).job_id,
      ),
    );

    const views = await Promise.all(jobIds.map((jobId) => client.wait(jobId, waitOptions())));

    // Every drop was used: each create call's answer was lost once.
    const faults = (await (await fetch(`${stack.emulator.url}/_emulator/faults`)).json()) as {
      drop_response: unknown[];
    };
    expect(faults.drop_response).toEqual([]);
    const stats = stack.emulator.stats();
    for (const [i, view] of views.entries()) {
      const { provider } = CREATES[i]!;
      expect(view.status).toBe('completed');
      expectReconciled(view.reconciliation);
      expect(view.reconciliation.succeeded).toBe(REQUESTS);
      expect(view.batches).toHaveLength(1);
      const [row] = await stack.sql<{ submit_attempts: number }[]>`
        select submit_attempts from provider_batches where job_id = ${jobIds[i]!}`;
      expect(row?.submit_attempts).toBeGreaterThanOrEqual(2);
      expect(stats[provider]).toMatchObject({ batches: 1, requests: REQUESTS });
    }
  });
});
