import type { Sql } from '../client';
import { TERMINAL_JOB_STATUSES } from './types';

/**
 * What keeps a job from moving, as the worker that last tried saw it (`jobs.blocked_reason`, `blocked_since`).
 * A worker sets it each time it puts work back to wait on an error and clears it when that work went through;
 * `blocked_since` keeps the first time, so an outage shows how long it has lasted, whatever the latest reason.
 * A finished job may keep a stale blocker: readers look at jobs that are still in flight only.
 */
export type BlockerTarget = { jobId: string } | { batchId: string };

const terminal = TERMINAL_JOB_STATUSES as string[];

/** The job itself, or the job a provider batch belongs to. */
function jobIdOf(sql: Sql, target: BlockerTarget) {
  return 'jobId' in target
    ? sql`${target.jobId}`
    : sql`(select job_id from provider_batches where id = ${target.batchId})`;
}

export async function setJobBlocker(sql: Sql, target: BlockerTarget, reason: string): Promise<void> {
  await sql`
    update jobs set blocked_reason = ${reason}, blocked_since = coalesce(blocked_since, now())
    where id = ${jobIdOf(sql, target)} and status <> all(${terminal}::text[])`;
}

/** A no-op (no row written) when the job is not blocked: cheap enough to run after every piece of work. */
export async function clearJobBlocker(sql: Sql, target: BlockerTarget): Promise<void> {
  await sql`
    update jobs set blocked_reason = null, blocked_since = null
    where id = ${jobIdOf(sql, target)} and (blocked_reason is not null or blocked_since is not null)`;
}

export interface BlockedJobs {
  /** Jobs in flight that something blocks now. */
  jobs: number;
  /** Each distinct reason: how many jobs it blocks and since when (the earliest), the longest-blocked first. */
  reasons: Array<{ reason: string; jobs: number; since: Date }>;
}

/** What blocks the jobs still in flight, for `/health`; at most `limit` distinct reasons. */
export async function blockedJobs(sql: Sql, limit = 20): Promise<BlockedJobs> {
  const reasons = await sql<{ reason: string; jobs: number; since: Date }[]>`
    select blocked_reason as reason, count(*)::int as jobs, min(blocked_since) as since
    from jobs
    where blocked_reason is not null and status <> all(${terminal}::text[])
    group by blocked_reason order by since limit ${limit}`;
  const [total] = await sql<{ n: number }[]>`
    select count(*)::int as n from jobs
    where blocked_reason is not null and status <> all(${terminal}::text[])`;
  return { jobs: total?.n ?? 0, reasons };
}
