import { randomUUID } from 'node:crypto';
import type { Provider, UnifiedRequest } from '@tranche/adapters';
import {
  type BatchRow,
  getBatch,
  getJob,
  insertJob,
  insertPlannedBatch,
  type JobRow,
  jobResultsCursor,
  lockJob,
  nextRound,
  pendingInputsForPlanning,
  type ResultLine,
  type Sql,
} from '@tranche/db';

export interface TestJobOptions {
  provider?: Provider;
  model?: string;
  /** One input per prompt (default: three short questions). */
  prompts?: string[];
  /** The stored spec: `output` (a structured-output schema), `options.webhook_url`... */
  spec?: Record<string, unknown>;
  project?: string;
  maxAttempts?: number;
  pollIntervalS?: number;
  timeoutAt?: Date;
}

export interface TestJob {
  job: JobRow;
  /** The inputs' custom ids, in input order. */
  customIds: string[];
}

/** A chat job written as the API's intake writes one (`insertJob`), its inputs pending; nothing is queued. */
export async function insertTestJob(sql: Sql, options: TestJobOptions = {}): Promise<TestJob> {
  const id = randomUUID();
  const runId = `run-${id.slice(0, 8)}`;
  const prompts = options.prompts ?? ['Question one?', 'Question two?', 'Question three?'];
  const inputs = prompts.map((prompt, seq) => {
    const request: UnifiedRequest = { messages: [{ role: 'user', content: prompt }] };
    return { customId: `${runId}-${seq}`, seq, callerId: `doc-${seq}`, requestJson: JSON.stringify(request) };
  });
  await insertJob(
    sql,
    {
      id,
      provider: options.provider ?? 'openai',
      model: options.model ?? 'gpt-4o-mini',
      kind: 'chat',
      spec: options.spec ?? {},
      project: options.project ?? 'worker-tests',
      owner: 'tests',
      environment: null,
      runId,
      tags: {},
      maxAttempts: options.maxAttempts ?? 3,
      pollIntervalS: options.pollIntervalS ?? 300,
      timeoutAt: options.timeoutAt ?? new Date(Date.now() + 3_600_000),
    },
    inputs,
    () => ({ inputCount: inputs.length, duplicates: 0, aliases: new Map() }),
  );
  return { job: (await getJob(sql, id))!, customIds: inputs.map((input) => input.customId) };
}

/**
 * Plans a batch of the job's pending inputs (all of them unless told which) as the submit processor plans one: the
 * batch row first, its inputs pointing at it, one attempt counted on each.
 */
export async function planTestBatch(sql: Sql, job: JobRow, customIds?: string[]): Promise<BatchRow> {
  const id = randomUUID();
  await sql.begin(async (txn) => {
    const tx = txn as unknown as Sql;
    await lockJob(tx, job.id);
    const pending = await pendingInputsForPlanning(tx, job.id);
    const chosen = customIds ? pending.filter((p) => customIds.includes(p.customId)) : pending;
    const round = await nextRound(tx, job.id);
    await insertPlannedBatch(tx, {
      id,
      jobId: job.id,
      provider: job.provider,
      chunkKey: `${job.id}_r${round}_c0`,
      round,
      customIds: chosen.map((p) => p.customId),
      bytes: chosen.reduce((sum, p) => sum + p.bytes, 0),
    });
  });
  return (await getBatch(sql, id))!;
}

/** Each input of the job (its state, last error, and result if it has one) by custom id, as the results API reads them. */
export async function inputLines(sql: Sql, jobId: string): Promise<Map<string, ResultLine>> {
  const lines = new Map<string, ResultLine>();
  for await (const page of jobResultsCursor(sql, jobId))
    for (const line of page) lines.set(line.custom_id, line);
  return lines;
}
