import { randomBytes } from 'node:crypto';
import { isTerminal } from '@tranche/client';
import type { JobView, SdkJobSpec } from '@tranche/producer';
import { describe, expect, it } from 'vitest';
import { chatJob } from '../support/jobs';
import { stackWithClient } from '../support/stack-with-client';
import { waitFor } from '../support/wait';

const t = stackWithClient({ name: 'replay-projects' });

const N = 12;

/** The same N inputs under `runId`, in `project`. */
const jobIn = (project: string, runId: string) =>
  chatJob(N, { metadata: { project, owner: 'tests', run_id: runId } }) as SdkJobSpec;

const finished = (jobId: string) =>
  waitFor<JobView>(`job ${jobId} to finish`, async () => {
    const view = await t.client.get(jobId);
    return isTerminal(view.status) && view;
  });

/** Requests the emulator's OpenAI side has accepted since its last reset. */
const sentRequests = () => t.stack.emulator.stats().openai?.requests ?? 0;

async function resultRowsOf(jobId: string): Promise<number> {
  const [row] = await t.stack.sql<{ n: number }[]>`
    select count(*)::int as n from results where job_id = ${jobId}`;
  return row?.n ?? 0;
}

describe('the same run id with the same inputs in two projects', () => {
  it('shares nothing: each job sends and pays for its own requests, and replays skip only their own', async () => {
    t.stack.emulator.resetAll();
    const runId = `shared-${randomBytes(4).toString('hex')}`;

    // B comes in while A's requests are still to be sent: it must not wait for them, nor skip them later.
    const a = await t.client.submit(jobIn('replay-a', runId));
    const b = await t.client.submit(jobIn('replay-b', runId));
    expect(a).toMatchObject({ status: 'queued', run_id: runId, skipped_done: 0, awaiting: 0, to_send: N });
    expect(b).toMatchObject({ status: 'queued', run_id: runId, skipped_done: 0, awaiting: 0, to_send: N });

    const [viewA, viewB] = await Promise.all([finished(a.job_id), finished(b.job_id)]);
    for (const view of [viewA, viewB]) {
      expect(view.status).toBe('completed');
      expect(view.reconciliation).toMatchObject({ submitted: N, succeeded: N, skipped_done: 0 });
    }
    expect(sentRequests()).toBe(2 * N);
    expect(await resultRowsOf(a.job_id)).toBe(N);
    expect(await resultRowsOf(b.job_id)).toBe(N);
    expect(Number(viewA.cost.cost_usd)).toBeGreaterThan(0);
    expect(viewB.cost).toEqual(viewA.cost);

    // A replay in A takes A's results, and the dry run says so first.
    expect(await t.client.estimate(jobIn('replay-a', runId))).toMatchObject({ skipped_done: N, to_send: 0 });
    const replayA = await t.client.submit(jobIn('replay-a', runId));
    expect(replayA).toMatchObject({ status: 'completed', skipped_done: N, awaiting: 0, to_send: 0 });

    // A first job of the run in a third project finds nothing of A's or B's.
    expect(await t.client.estimate(jobIn('replay-c', runId))).toMatchObject({ skipped_done: 0, to_send: N });
    const c = await t.client.submit(jobIn('replay-c', runId));
    expect(c).toMatchObject({ status: 'queued', skipped_done: 0, awaiting: 0, to_send: N });
    const viewC = await finished(c.job_id);
    expect(viewC.status).toBe('completed');
    expect(viewC.cost).toEqual(viewA.cost);
    expect(sentRequests()).toBe(3 * N);

    // Nobody else's job moved A's or B's cost lines.
    expect((await t.client.get(a.job_id)).cost).toEqual(viewA.cost);
    expect((await t.client.get(b.job_id)).cost).toEqual(viewB.cost);
    expect((await t.client.get(replayA.job_id)).reconciliation).toMatchObject({
      submitted: N,
      succeeded: N,
      skipped_done: N,
    });
  });
});
