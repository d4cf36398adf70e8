import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PlanOutcome } from '../core/batch-engine/batch';
import { batchRng, type RequestErrorDraw } from '../core/batch-engine/plan';
import type { BatchFaults } from '../core/faults';
import { executeRequest, type Outcome } from '../openai-compatible/request-executor';
import {
  type CompatiblePlan,
  compatiblePlan,
  injectCompatibleErrors,
} from '../openai-compatible/request-plan';
import type { WireBatchEndpoint } from './batch-params';
import { errorForStatus } from './errors';
import { checkInputLine } from './input-line';
import { executeResponsesRequest, RESPONSES_ENDPOINT } from './responses-request';
import type { WireBatchError } from './types';

export const MAX_REQUESTS = 50_000;
/** "200 MB": whether the real limit is decimal or binary is unconfirmed; we take the stricter one. */
export const MAX_INPUT_BYTES = 200_000_000;
const MAX_REPORTED_ERRORS = 100;

export type PlanResult = PlanOutcome<CompatiblePlan, WireBatchError[]>;

export interface PlanInput {
  /** The provider serving OpenAI's wire: it names the random streams. */
  provider: string;
  seq: number;
  path: string;
  bytes: number;
  endpoint: WireBatchEndpoint;
  faults: BatchFaults;
  requestErrors: RequestErrorDraw;
  /** The provider's cap on requests per file (OpenAI's 50,000 when unset) and the code of a file over it. */
  maxRequests?: { count: number; code: string };
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
  const { faults, provider, seq } = input;
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
  const jsonRng = batchRng(faults.seed, provider, seq, 'invalid-json');
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
      const cap = input.maxRequests ?? { count: MAX_REQUESTS, code: 'batch_too_large' };
      if (count > cap.count) {
        return fail([batchError(cap.code, `The input file has more than ${cap.count} requests.`)]);
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
          const execution = {
            invalidJsonRate: faults.invalidJsonRate,
            cachedFraction: faults.cachedFraction,
            rng: jsonRng,
            nulAnswers: faults.nulAnswers,
          };
          outcomes.push(
            input.endpoint === RESPONSES_ENDPOINT
              ? executeResponsesRequest(checked.body, checked.model, execution)
              : executeRequest(input.endpoint, checked.body, checked.model, execution),
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

  injectCompatibleErrors(customIds, outcomes, input.requestErrors, errorForStatus);
  return {
    ok: true,
    plan: compatiblePlan(model, customIds, outcomes, batchRng(faults.seed, provider, seq, 'order')),
  };
}

function fail(errors: WireBatchError[]): PlanResult {
  return { ok: false, failure: errors };
}
