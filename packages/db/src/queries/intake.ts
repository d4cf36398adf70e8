import type { Sql } from '../client';
import { copyRows } from '../copy';

export interface NewJob {
  id: string;
  status: 'queued' | 'completed';
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
  inputCount: number;
  duplicates: number;
  skippedDone: number;
  timeoutAt: Date;
}

export interface NewInput {
  customId: string;
  seq: number;
  callerId: string | null;
  aliases: Array<{ seq: number; id: string | null }> | null;
  /** The request as JSON text, already serialised (its length is the planner's byte estimate). */
  requestJson: string;
  state: 'pending' | 'skipped';
}

/** Which of these custom ids already have a successful result (from an earlier job of the same run). */
export async function findSucceeded(sql: Sql, customIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  const page = 10_000;
  for (let i = 0; i < customIds.length; i += page) {
    const slice = customIds.slice(i, i + page);
    const rows = await sql<{ custom_id: string }[]>`
      select custom_id from results where status = 'succeeded' and custom_id = any(${slice}::text[])`;
    for (const row of rows) found.add(row.custom_id);
  }
  return found;
}

/** The job and all its inputs in one transaction: a rejected or failed intake leaves no rows. */
export async function insertJob(sql: Sql, job: NewJob, inputs: NewInput[]): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into jobs (id, status, provider, model, kind, spec, project, owner, environment, run_id, tags,
                        max_attempts, poll_interval_s, input_count, duplicates, skipped_done, timeout_at, finished_at)
      values (${job.id}, ${job.status}, ${job.provider}, ${job.model}, ${job.kind}, ${tx.json(job.spec as never)},
              ${job.project}, ${job.owner}, ${job.environment}, ${job.runId}, ${tx.json(job.tags)},
              ${job.maxAttempts}, ${job.pollIntervalS}, ${job.inputCount}, ${job.duplicates}, ${job.skippedDone},
              ${job.timeoutAt}, ${job.status === 'completed' ? new Date() : null})`;
    await copyRows(
      tx as unknown as Sql,
      'inputs',
      ['job_id', 'custom_id', 'seq', 'caller_id', 'aliases', 'request', 'request_bytes', 'state'],
      (function* () {
        for (const input of inputs) {
          yield [
            job.id,
            input.customId,
            input.seq,
            input.callerId,
            input.aliases,
            input.requestJson,
            Buffer.byteLength(input.requestJson),
            input.state,
          ];
        }
      })(),
    );
  });
}
