import type { AdapterRegistry, BatchContext, ChatApi, OutputSchema } from '@tranche/adapters';
import type { Logger } from '@tranche/config';
import type { JobRow, PricingFor, Sql } from '@tranche/db';
import { loadPricer, type Pricer, pricingOf } from '@tranche/pricing';
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
  const spec = job.spec as {
    output?: OutputSchema;
    defaults?: { params?: { dimensions?: number } };
    options?: { chat_api?: ChatApi };
  };
  const output = spec.output;
  const dimensions = job.kind === 'embedding' ? spec.defaults?.params?.dimensions : undefined;
  // Intake took the option only for a chat job on a provider that offers that API.
  const chatApi = job.kind === 'chat' ? spec.options?.chat_api : undefined;
  return {
    jobId: job.id,
    model: job.model,
    kind: job.kind as BatchContext['kind'],
    ...(output ? { output } : {}),
    ...(dimensions !== undefined ? { dimensions } : {}),
    ...(chatApi !== undefined ? { chatApi } : {}),
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
  const pricer = loadPricer(env.PRICES_FILE, (provider, model) =>
    log.warn(
      { provider, model, priceVersion: pricer.version },
      `no price for ${provider} model ${model}: its results are stored with no cost`,
    ),
  );
  return { pricer, priceFor: pricingOf(pricer) };
}
