import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BatchFaults } from '../core/faults';
import { createRng, seedFrom, shuffledIndices } from '../core/prng';
import type { SupportedEndpoint } from './batch-params';
import type { BatchPlan } from './batch-record';
import { errorForStatus } from './errors';
import { checkInputLine } from './input-line';
import { executeRequest, type Outcome, requestError } from './request-executor';
import type { WireBatchError } from './types';

export const MAX_REQUESTS = 50_000;
/** "200 MB": whether the real limit is decimal or binary is unconfirmed; we take the stricter one. */
export const MAX_INPUT_BYTES = 200_000_000;
const MAX_REPORTED_ERRORS = 100;

export type PlanResult = { ok: true; plan: BatchPlan } | { ok: false; errors: WireBatchError[] };

export interface PlanInput {
  seq: number;
  path: string;
  bytes: number;
  endpoint: SupportedEndpoint;
  faults: BatchFaults;
  /** Whether `customId` may take one more injected failure (the cap spans batches). */
  allowFailure(customId: string, maxPerCustomId: number): boolean;
}

const batchError = (code: string, message: string, line: number | null = null): WireBatchError => ({
  code,
  message,
  param: null,
  line,
});

/**
 * Reads the input file once, line by line: validates it and runs every request through the
 * deterministic model. Codes `batch_too_large`, `file_too_large`, `empty_file`, `duplicate_custom_id`,
 * `mixed_models` and `validation_failed` (the fault) are our choice; the real ones are unconfirmed.
 */
export async function planBatch(input: PlanInput): Promise<PlanResult> {
  const { faults, seq } = input;
  if (faults.failValidation) {
    return fail([batchError('validation_failed', 'The input file failed validation (injected fault).')]);
  }
  if (input.bytes > MAX_INPUT_BYTES) {
    return fail([
      batchError(
        'file_too_large',
        `The input file is ${input.bytes} bytes; the limit is ${MAX_INPUT_BYTES} bytes.`,
      ),
    ]);
  }

  const errors: WireBatchError[] = [];
  const customIds: string[] = [];
  const outcomes: Outcome[] = [];
  const seen = new Set<string>();
  const jsonRng = createRng(seedFrom(faults.seed, 'openai', seq, 'invalid-json'));
  let model: string | null = null;
  let lineNumber = 0;
  let count = 0;

  const stream = createReadStream(input.path);
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const raw of lines) {
      lineNumber += 1;
      if (raw.length === 0 || /^\s*$/.test(raw)) continue;
      count += 1;
      if (count > MAX_REQUESTS) {
        return fail([
          batchError('batch_too_large', `The input file has more than ${MAX_REQUESTS} requests.`),
        ]);
      }
      const checked = checkInputLine(raw, lineNumber, input.endpoint);
      if (!checked.ok) {
        errors.push(checked.error);
      } else if (seen.has(checked.customId)) {
        errors.push(
          batchError(
            'duplicate_custom_id',
            `Line ${lineNumber}: custom_id '${checked.customId}' is not unique.`,
            lineNumber,
          ),
        );
      } else if (model !== null && checked.model !== model) {
        errors.push(
          batchError(
            'mixed_models',
            `Line ${lineNumber}: model '${checked.model}' differs from '${model}'; a batch must use one model.`,
            lineNumber,
          ),
        );
      } else {
        model ??= checked.model;
        seen.add(checked.customId);
        if (errors.length === 0) {
          customIds.push(checked.customId);
          outcomes.push(
            executeRequest(input.endpoint, checked.body, checked.model, {
              invalidJsonRate: faults.invalidJsonRate,
              cachedFraction: faults.cachedFraction,
              rng: jsonRng,
              nulAnswers: faults.nulAnswers,
            }),
          );
        }
      }
      if (errors.length >= MAX_REPORTED_ERRORS) break;
    }
  } catch (error) {
    return fail([
      batchError('file_read_error', `The input file could not be read: ${(error as Error).message}`),
    ]);
  } finally {
    lines.close();
    stream.destroy();
  }

  if (errors.length > 0) return fail(errors);
  if (count === 0 || model === null)
    return fail([batchError('empty_file', 'The input file has no requests.')]);

  injectFailures(customIds, outcomes, input);
  return {
    ok: true,
    plan: buildPlan(model, customIds, outcomes, createRng(seedFrom(faults.seed, 'openai', seq, 'order'))),
  };
}

function fail(errors: WireBatchError[]): PlanResult {
  return { ok: false, errors };
}

function injectFailures(customIds: string[], outcomes: Outcome[], input: PlanInput): void {
  const policy = input.faults.requestErrors;
  if (!policy || policy.rate <= 0) return;
  const rng = createRng(seedFrom(input.faults.seed, 'openai', input.seq, 'request-errors'));
  for (let i = 0; i < outcomes.length; i++) {
    if (outcomes[i]!.kind === 'error') continue;
    if (rng.next() >= policy.rate) continue;
    if (!input.allowFailure(customIds[i]!, policy.maxPerCustomId)) continue;
    outcomes[i] = requestError(policy.status, errorForStatus(policy.status));
  }
}

/** Shuffles the completion order and precomputes the running sums `BatchPlan` describes. */
export function buildPlan<CustomId = string>(
  model: string,
  customIds: CustomId[],
  outcomes: Outcome[],
  rng: ReturnType<typeof createRng>,
): BatchPlan<CustomId> {
  const total = outcomes.length;
  const order = shuffledIndices(total, rng);
  const failedBefore = new Uint32Array(total + 1);
  const inputTokensBefore = new Float64Array(total + 1);
  const outputTokensBefore = new Float64Array(total + 1);
  const cachedTokensBefore = new Float64Array(total + 1);
  for (let k = 0; k < total; k++) {
    const outcome = outcomes[order[k]!]!;
    failedBefore[k + 1] = failedBefore[k]! + (outcome.kind === 'error' ? 1 : 0);
    inputTokensBefore[k + 1] = inputTokensBefore[k]! + (outcome.kind === 'error' ? 0 : outcome.promptTokens);
    outputTokensBefore[k + 1] =
      outputTokensBefore[k]! + (outcome.kind === 'chat' ? outcome.completionTokens : 0);
    cachedTokensBefore[k + 1] = cachedTokensBefore[k]! + (outcome.kind === 'chat' ? outcome.cachedTokens : 0);
  }
  return {
    model,
    total,
    customIds,
    outcomes,
    order,
    failedBefore,
    inputTokensBefore,
    outputTokensBefore,
    cachedTokensBefore,
  };
}
