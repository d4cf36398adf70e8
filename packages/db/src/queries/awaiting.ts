import type { Sql } from '../client';

/**
 * Inputs of a replay whose request is in flight in an earlier job of the same run wait for that job's result
 * (state `awaiting`) instead of being sent a second time. A run is a project's run id: callers choose run ids, so
 * two projects may use the same one, and their jobs never wait for, settle or lock out each other.
 *
 * One lock per run keeps the two sides from missing each other: the intake takes it exclusively before it looks at
 * the run's other jobs, and every transaction that stores final results takes it shared before it settles the
 * waiting inputs. So either the intake sees the stored result (and skips the input, or sends it after a failure),
 * or the results' transaction sees the waiting input and settles it. Stores of results never wait for each other.
 */
const RUN_LOCK_PREFIX = 'tranche:run:';

/** JSON keeps the key unambiguous whatever characters the project holds. */
const runLockKey = (project: string, runId: string) => RUN_LOCK_PREFIX + JSON.stringify([project, runId]);

/** Statuses of a job that may still send its requests. */
const LIVE = ['queued', 'submitting', 'running'];

/**
 * At intake, once the new job's inputs are written and before anything is skipped: takes the run's lock for the rest
 * of the transaction.
 */
export async function lockRunForIntake(tx: Sql, project: string, runId: string): Promise<void> {
  await tx`select pg_advisory_xact_lock(hashtextextended(${runLockKey(project, runId)}, 0))`;
}

/**
 * Pending inputs of the new job whose custom id is pending or submitted in another live job of the run (not being
 * cancelled) now wait for it instead of being sent. Returns how many.
 */
export async function markAwaitingInputs(
  tx: Sql,
  jobId: string,
  project: string,
  runId: string,
): Promise<number> {
  const marked = await tx`
    update inputs i set state = 'awaiting'
    from inputs e
    join jobs j on j.id = e.job_id
    where i.job_id = ${jobId} and i.state = 'pending'
      and j.project = ${project} and j.run_id = ${runId} and j.id <> ${jobId}
      and j.status = any(${LIVE}::text[]) and j.cancel_reason is null
      and e.custom_id = i.custom_id and e.state in ('pending', 'submitted')`;
  return marked.count;
}

/** The run of a job storing final results, its lock held; `othersLive` says whether anything may wait on them. */
export interface LockedRun {
  jobId: string;
  project: string;
  runId: string;
  othersLive: boolean;
}

/**
 * Before final results are stored: takes the run's lock shared (see above) and looks whether another job of the run
 * may still send requests, that is, whether `settleAwaitingInputs` can have anything to do. Taken before the results
 * are written so that their write comes last before the commit: from the write on, the transaction holds the rows
 * of the results' rollups that every store of the project updates (a second statement after it made each store
 * wait for the others' round trips). Null when the job is gone.
 */
export async function lockRunForResults(tx: Sql, jobId: string): Promise<LockedRun | null> {
  const [job] = await tx<{ project: string; run_id: string }[]>`
    select project, run_id from jobs where id = ${jobId}`;
  if (!job) return null;
  await tx`select pg_advisory_xact_lock_shared(hashtextextended(${runLockKey(job.project, job.run_id)}, 0))`;
  // After the lock: a job of the run that went live before it is seen here, and one that goes live after it sees
  // the results (its intake waits for this transaction).
  const [others] = await tx<{ live: boolean }[]>`
    select exists (
      select 1 from jobs
      where project = ${job.project} and run_id = ${job.run_id} and id <> ${jobId} and status = any(${LIVE}::text[])
    ) as live`;
  return { jobId, project: job.project, runId: job.run_id, othersLive: others?.live ?? true };
}

/**
 * After final results of `customIds` were stored for `run.jobId` (with `lockRunForResults` taken before): the inputs
 * of other jobs of the run that wait for those requests take a success (`skipped`, as a replay of a done request),
 * or, after a failure, go back to `pending` to be sent by their own job, unless another live job still has the
 * request in flight. Runs in the transaction that stored the results. The jobs that change are moved on by the
 * sweeper: it queues the submission of pending inputs and ends jobs that have nothing left.
 */
export async function settleAwaitingInputs(tx: Sql, run: LockedRun, customIds: string[]): Promise<void> {
  if (customIds.length === 0 || !run.othersLive) return;
  await tx`
    update inputs w set state = case when r.status = 'succeeded' then 'skipped' else 'pending' end
    from jobs j, unnest(${customIds}::text[]) as u(custom_id), results r
    where j.project = ${run.project} and j.run_id = ${run.runId} and j.id <> ${run.jobId}
      and j.status = any(${LIVE}::text[])
      and w.job_id = j.id and w.custom_id = u.custom_id and w.state = 'awaiting'
      and r.custom_id = w.custom_id
      and (r.status = 'succeeded' or not exists (
        select 1 from inputs e join jobs k on k.id = e.job_id
        where k.project = ${run.project} and k.run_id = ${run.runId} and k.id <> w.job_id
          and k.status = any(${LIVE}::text[]) and k.cancel_reason is null and e.custom_id = w.custom_id and e.state in ('pending', 'submitted')))`;
}
