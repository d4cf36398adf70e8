import { randomUUID } from 'node:crypto';
import { type BatchRow, type QuotaClaim, releaseSubmitLease, renewSubmitLease } from '@tranche/db';
import type { WorkerContext } from '../context';

/** What a worker asking to send a planned batch gets: the claim, or why not (another's, gone, waiting for quota). */
export type SubmitClaim = QuotaClaim;

/** How the claim ended up: the work ran (with its value), or why it did not. */
export type LeasedWork<T> = { kind: 'done'; value: T } | Exclude<SubmitClaim, { kind: 'taken' }>;

/**
 * Runs `work` on a planned batch while this worker holds the claim to send it (`take` makes the claim under the
 * owner id it is given): renewed every third of SUBMIT_LEASE_MS while the work runs, let go of when it ends,
 * whatever became of the batch. If this process dies, the claim runs out by itself and another worker takes the
 * batch over.
 */
export async function withSubmitLease<T>(
  ctx: WorkerContext,
  batchId: string,
  take: (owner: string) => Promise<SubmitClaim>,
  work: (batch: BatchRow) => Promise<T>,
): Promise<LeasedWork<T>> {
  const owner = randomUUID();
  const claim = await take(owner);
  if (claim.kind !== 'taken') return claim;
  const leaseMs = ctx.env.SUBMIT_LEASE_MS;
  let warned = false;
  const renew = async () => {
    try {
      if ((await renewSubmitLease(ctx.sql, batchId, owner, leaseMs)) || warned) return;
      warned = true;
      ctx.log.warn({ batchId }, 'the claim on a batch being sent ran out and another worker took it over');
    } catch (error) {
      // Postgres away: the claim may run out meanwhile; whoever takes it over adopts what this send makes.
      ctx.log.debug({ batchId, err: String(error) }, 'could not renew the claim on a batch being sent');
    }
  };
  const heartbeat = setInterval(() => void renew(), Math.max(250, Math.floor(leaseMs / 3)));
  heartbeat.unref();
  try {
    return { kind: 'done', value: await work(claim.batch) };
  } finally {
    clearInterval(heartbeat);
    await releaseSubmitLease(ctx.sql, batchId, owner).catch((error: unknown) =>
      ctx.log.debug({ batchId, err: String(error) }, 'could not let go of the claim on a batch; it runs out'),
    );
  }
}
