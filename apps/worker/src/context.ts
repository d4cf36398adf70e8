import type { AdapterRegistry, BatchContext, OutputSchema } from '@tranche/adapters';
import type { Logger } from '@tranche/config';
import type { JobRow, Sql } from '@tranche/db';
import type { TrancheQueues } from '@tranche/queues';
import type { WorkerEnv } from './env';

/** What every processor needs; built once per worker process. */
export interface WorkerContext {
  env: WorkerEnv;
  sql: Sql;
  queues: TrancheQueues;
  adapters: AdapterRegistry;
  log: Logger;
}

export function batchContextOf(job: JobRow): BatchContext {
  const output = (job.spec as { output?: OutputSchema }).output;
  return {
    jobId: job.id,
    model: job.model,
    kind: job.kind as BatchContext['kind'],
    ...(output ? { output } : {}),
  };
}
