import type { PlanOutcome } from '../core/batch-engine/batch';
import { batchRng, type RequestErrorDraw } from '../core/batch-engine/plan';
import type { BatchFaults } from '../core/faults';
import type { Rng } from '../core/prng';
import type { SupportedEndpoint } from '../openai-compatible/endpoints';
import { executeRequest, type Outcome, requestError } from '../openai-compatible/request-executor';
import { compatiblePlan, injectCompatibleErrors } from '../openai-compatible/request-plan';
import { errorObject } from './errors';
import type { JobPlan } from './job-record';
import { forEachLine } from './request-file';
import { parseRequestLine } from './request-line';
import type { WireBatchError } from './types';

/** Up to 1M requests per batch (docs/providers/mistral.md#limits). */
export const MAX_JOB_REQUESTS = 1_000_000;

export type PlanResult = PlanOutcome<JobPlan, WireBatchError[]>;

export interface PlanInput {
  seq: number;
  paths: string[];
  endpoint: SupportedEndpoint;
  model: string;
  faults: BatchFaults;
  requestErrors: RequestErrorDraw;
}

const failure = (message: string): PlanResult => ({ ok: false, failure: [{ message, count: 1 }] });

/**
 * Reads the request files once, line by line, and runs every request through the deterministic model with the
 * job's model (seen live: a line's own `body.model` is ignored). Lines were checked at upload; a line that
 * still does not parse becomes a failed request rather than failing the job.
 */
export async function planJob(input: PlanInput): Promise<PlanResult> {
  const { faults, seq } = input;
  if (faults.failValidation) return failure('The batch job failed validation (injected fault).');
  const customIds: Array<string | null> = [];
  const outcomes: Outcome[] = [];
  const rng = batchRng(faults.seed, 'mistral', seq, 'invalid-json');
  const tooMany = new Error('too many requests');
  try {
    for (const path of input.paths) {
      await forEachLine(path, (raw) => {
        if (outcomes.length >= MAX_JOB_REQUESTS) throw tooMany;
        const parsed = parseRequestLine(raw);
        customIds.push(parsed.ok ? parsed.customId : null);
        outcomes.push(
          parsed.ok
            ? execute(input, parsed.body, rng)
            : requestError(400, errorObject(400, `Invalid request: ${parsed.message}.`)),
        );
      });
    }
  } catch (error) {
    if (error === tooMany) return failure(`A batch job can have at most ${MAX_JOB_REQUESTS} requests.`);
    return failure(`The input files could not be read: ${(error as Error).message}`);
  }
  if (outcomes.length === 0) return failure('The batch job has no requests.');
  injectCompatibleErrors(customIds, outcomes, input.requestErrors, (status) => errorObject(status));
  const order = batchRng(faults.seed, 'mistral', seq, 'order');
  return { ok: true, plan: compatiblePlan(input.model, customIds, outcomes, order) };
}

function execute(input: PlanInput, body: Record<string, unknown>, rng: Rng): Outcome {
  // Mistral names the embedding size `output_dimension` (OpenAI: `dimensions`).
  return executeRequest(
    input.endpoint,
    body,
    input.model,
    {
      invalidJsonRate: input.faults.invalidJsonRate,
      cachedFraction: input.faults.cachedFraction,
      rng,
      nulAnswers: input.faults.nulAnswers,
    },
    'output_dimension',
  );
}
