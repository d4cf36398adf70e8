import type { AdapterRegistry, BatchContext, OutputSchema } from '@tranche/adapters';
import { ConfigError, type Logger } from '@tranche/config';
import type { JobRow, PricingFor, Sql } from '@tranche/db';
import { loadPriceTable, Pricer, type PriceTable, PriceTableError } from '@tranche/pricing';
import type { TrancheQueues } from '@tranche/queues';
import type { WorkerEnv } from './env';

/** What every processor needs; built once per worker process. */
export interface WorkerContext {
  env: WorkerEnv;
  sql: Sql;
  queues: TrancheQueues;
  adapters: AdapterRegistry;
  log: Logger;
  /** The price table (with the operator's PRICES_FILE over it) every result of this worker is priced with. */
  pricer: Pricer;
  /** `pricer` bound to a job's provider and model, as the result queries take it. */
  priceFor: PricingFor;
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

/**
 * The worker's pricer. A bad PRICES_FILE stops the worker at start like any other bad setting; a model with no
 * price is logged once, and its results are stored with no cost (shown as unpriced, never as a silent zero).
 */
export function createPricing(
  env: Pick<WorkerEnv, 'PRICES_FILE'>,
  log: Logger,
): Pick<WorkerContext, 'pricer' | 'priceFor'> {
  let table: PriceTable;
  try {
    table = loadPriceTable(env.PRICES_FILE);
  } catch (error) {
    if (error instanceof PriceTableError) throw new ConfigError([error.message]);
    throw error;
  }
  const pricer = new Pricer(table, (provider, model) =>
    log.warn(
      { provider, model, priceVersion: table.version },
      `no price for ${provider} model ${model}: its results are stored with no cost`,
    ),
  );
  return {
    pricer,
    priceFor: (job) => (tokens) => pricer.price(job.provider, job.model, tokens),
  };
}
