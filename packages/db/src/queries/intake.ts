import type { Sql } from '../client';
import { copyRows } from '../copy';
import { lockRunForIntake, markAwaitingInputs } from './awaiting';
import type { JobStatus } from './types';

export interface NewJob {
  id: string;
  provider: string;
  model: string;
  kind: string;
  spec: Record<string, unknown>;
  project: string;
  owner: string;
  environment: string | null;
  runId: string;
  tags: Record<string, string>;
  maxAttempts: number;
  pollIntervalS: number;
  timeoutAt: Date;
  /** The API key that submits the job, and its name. */
  submittedBy?: { keyId: string; name: string };
}

export interface NewInput {
  customId: string;
  seq: number;
  callerId: string | null;
  /** The request as JSON text, already serialised (its length is the planner's byte estimate). */
  requestJson: string;
  /** Its length in bytes, when the caller has counted it already. */
  requestBytes?: number;
}

export interface IntakeTotals {
  inputCount: number;
  duplicates: number;
  /** Later occurrences of a request, keyed by the custom id of its first. */
  aliases: Map<string, Array<{ seq: number; id: string | null }>>;
}

export interface IntakeOutcome {
  status: Extract<JobStatus, 'queued' | 'completed'>;
  distinct: number;
  skippedDone: number;
  /** Distinct requests in flight in an earlier job of the same run: they wait for its result (state `awaiting`). */
  awaiting: number;
  toSend: number;
}

/**
 * Whether the job's run (its project's run id) has another job. A custom id is its run id and a hash that covers the
 * project, and a result lives only as long as its job: without another job in the run, no input can have a result
 * or be in flight elsewhere, and the replay statements (a probe into `results` per input) are skipped.
 */
async function runHasOtherJobs(tx: Sql, job: NewJob): Promise<boolean> {
  const [row] = await tx<{ others: boolean }[]>`
    select exists (
      select 1 from jobs where project = ${job.project} and run_id = ${job.runId} and id <> ${job.id}
    ) as others`;
  return row?.others ?? true;
}

/**
 * A replay: inputs that already have a successful result under the same custom id are skipped; inputs in flight in
 * an earlier job of the run wait for its result (see awaiting.ts).
 */
async function markReplayedInputs(tx: Sql, job: NewJob): Promise<{ skippedDone: number; awaiting: number }> {
  const skipped = await tx`
    update inputs i set state = 'skipped'
    from results r
    where i.job_id = ${job.id} and r.custom_id = i.custom_id and r.status = 'succeeded'`;
  return {
    skippedDone: skipped.count,
    awaiting: await markAwaitingInputs(tx, job.id, job.project, job.runId),
  };
}

/**
 * Writes a job and streams its inputs into Postgres with COPY, in one transaction. `totals` runs once every input
 * was read and may throw (a validation problem found on the way): then nothing at all is written. Inputs that
 * already have a successful result under the same custom id (a replay of the run) are marked skipped; inputs in
 * flight in an earlier job of the run wait for its result (see awaiting.ts).
 */
export async function insertJob(
  sql: Sql,
  job: NewJob,
  inputs: AsyncIterable<NewInput> | Iterable<NewInput>,
  totals: () => IntakeTotals,
  /** Runs last, in the same transaction (the budget check): throwing rolls the whole job back. */
  beforeCommit?: (tx: Sql, outcome: IntakeOutcome) => Promise<void>,
): Promise<IntakeOutcome> {
  return sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await tx`
      insert into jobs (id, status, provider, model, kind, spec, project, owner, environment, run_id, tags,
                        max_attempts, poll_interval_s, input_count, timeout_at, submitted_by_key_id,
                        submitted_by_name)
      values (${job.id}, 'queued', ${job.provider}, ${job.model}, ${job.kind}, ${tx.json(job.spec as never)},
              ${job.project}, ${job.owner}, ${job.environment}, ${job.runId}, ${tx.json(job.tags)},
              ${job.maxAttempts}, ${job.pollIntervalS}, 0, ${job.timeoutAt}, ${job.submittedBy?.keyId ?? null},
              ${job.submittedBy?.name ?? null})`;
    const distinct = await copyRows(
      tx,
      'inputs',
      ['job_id', 'custom_id', 'seq', 'caller_id', 'request', 'request_bytes', 'state'],
      (async function* () {
        for await (const input of inputs) {
          yield [
            job.id,
            input.customId,
            input.seq,
            input.callerId,
            input.requestJson,
            input.requestBytes ?? Buffer.byteLength(input.requestJson),
            'pending',
          ];
        }
      })(),
    );
    const { inputCount, duplicates, aliases } = totals();
    if (aliases.size > 0) {
      const rows = [...aliases].map(([custom_id, list]) => ({ custom_id, aliases: list }));
      await tx`
        update inputs i set aliases = a.aliases
        from jsonb_to_recordset(${tx.json(rows as never)}::jsonb) as a(custom_id text, aliases jsonb)
        where i.job_id = ${job.id} and i.custom_id = a.custom_id`;
    }
    await lockRunForIntake(tx, job.project, job.runId);
    const { skippedDone, awaiting } = (await runHasOtherJobs(tx, job))
      ? await markReplayedInputs(tx, job)
      : { skippedDone: 0, awaiting: 0 };
    const toSend = distinct - skippedDone - awaiting;
    const status = toSend === 0 && awaiting === 0 ? 'completed' : 'queued';
    await tx`
      update jobs set input_count = ${inputCount}, duplicates = ${duplicates}, skipped_done = ${skippedDone},
                      status = ${status}, finished_at = case when ${status} = 'completed' then now() end
      where id = ${job.id}`;
    const outcome = { status, distinct, skippedDone, awaiting, toSend } as IntakeOutcome;
    await beforeCommit?.(tx, outcome);
    return outcome;
  });
}
