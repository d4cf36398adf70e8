import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type BatchRun, type EngineBatch, type Stage, stageOf } from '../core/batch-engine/batch';
import { BatchEngine } from '../core/batch-engine/engine';
import { batchRng, requestErrorDraw } from '../core/batch-engine/plan';
import { progressAt } from '../core/batch-engine/progress';
import { unixSeconds } from '../core/clock';
import { isRecord } from '../core/is-record';
import type { EmulatorContext } from '../core/provider';
import {
  type ApiErrorObject,
  executeRequest,
  type Outcome,
  requestError,
} from '../openai-compatible/request-executor';
import {
  type CompatiblePlan,
  compatiblePlan,
  injectCompatibleErrors,
} from '../openai-compatible/request-plan';
import { writeCompatibleResults } from '../openai-compatible/result-files';
import { badRequest, notFound } from './errors';
import type { TogetherFiles } from './files';
import { resultLine } from './result-lines';

/** "Up to 50,000 requests per batch" (the batch overview). */
export const MAX_BATCH_REQUESTS = 50_000;
/** The completion window: 24 h, which "cannot be changed". */
const WINDOW_MS = 24 * 3600 * 1000;
const CHAT_ENDPOINT = '/v1/chat/completions';
const ENDPOINTS = [CHAT_ENDPOINT, '/v1/audio/transcriptions', '/v1/audio/translations'];
/** "Batch jobs that target these models will fail" (the batch overview's list of models not available for batch). */
const NOT_FOR_BATCH = new Set([
  'deepseek-ai/DeepSeek-R1',
  'deepseek-ai/DeepSeek-V3.1',
  'deepseek-ai/DeepSeek-V4-Pro',
]);

export type BatchStatus = 'VALIDATING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'EXPIRED' | 'CANCELLED';

const STATUS: Record<Stage, BatchStatus> = {
  starting: 'VALIDATING',
  running: 'IN_PROGRESS',
  finalizing: 'IN_PROGRESS',
  // Together has no cancelling status: a cancelled running batch reads IN_PROGRESS until its results are written.
  cancelling: 'IN_PROGRESS',
  completed: 'COMPLETED',
  failed: 'FAILED',
  expired: 'EXPIRED',
  cancelled: 'CANCELLED',
};

type TogetherPlan = CompatiblePlan<string>;

export interface TogetherBatch extends EngineBatch<TogetherPlan, string> {
  endpoint: string;
  inputFileId: string;
  inputPath: string;
  fileSizeBytes: number;
  /** `model_id` of the create, else the first request's model. */
  modelId: string | null;
  outputFileId: string | null;
  errorFileId: string | null;
}

export interface CreateParams {
  endpoint: string;
  input_file_id: string;
  completion_window?: string;
  model_id?: string;
  priority?: number;
}

/** Together's batches on the shared engine, their requests run by the deterministic model. */
export class TogetherBatches {
  private readonly engine: BatchEngine<TogetherBatch>;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: TogetherFiles,
  ) {
    this.engine = new BatchEngine<TogetherBatch>(ctx, {
      provider: 'together',
      // A batch cancelled while validating ends at once; a running one keeps what finished.
      profile: { finalizing: false, cancelBeforeRunning: 'ends-at-once' },
      newId: randomUUID,
      notFound: (id) => notFound(`Batch ${id} not found.`),
      writeResults: (batch, run) => this.writeResults(batch, run),
      // "Cancel is allowed in VALIDATING or IN_PROGRESS": any ended batch is refused (the exact answer is UNCONFIRMED).
      refuseCancel: (batch) => badRequest(`Batch ${batch.id} is ${status(batch)} and cannot be cancelled.`),
    });
  }

  /** The create's answer: `{job, warning?}`, HTTP 201 (the route sets it). */
  create(body: unknown): { job: Record<string, unknown>; warning?: string } {
    const params = parseCreate(body);
    const file = this.files.require(params.input_file_id);
    if (file.object.purpose !== 'batch-api') {
      throw badRequest(`File ${params.input_file_id} has purpose ${file.object.purpose}, not batch-api.`);
    }
    if (params.endpoint !== CHAT_ENDPOINT) {
      throw badRequest(
        `The emulator runs ${CHAT_ENDPOINT} batches only, not ${params.endpoint}.`,
        'endpoint',
      );
    }
    const batch = this.engine.create({
      fields: {
        endpoint: params.endpoint,
        inputFileId: file.object.id,
        inputPath: file.path,
        fileSizeBytes: file.object.bytes,
        modelId: params.model_id ?? null,
        outputFileId: null,
        errorFileId: null,
      },
      requests: file.lines,
      plan: (b) => this.plan(b),
    });
    const answer: { job: Record<string, unknown>; warning?: string } = {
      job: this.render(batch, this.ctx.clock.now()),
    };
    // The window "cannot be changed": a create asking for another one still runs, with a warning.
    if (params.completion_window !== undefined && params.completion_window !== '24h') {
      answer.warning = `completion_window ${params.completion_window} is not supported; the batch runs with 24h.`;
    }
    return answer;
  }

  async get(id: string): Promise<Record<string, unknown>> {
    return this.render(await this.engine.get(id), this.ctx.clock.now());
  }

  /** A bare array, newest first (paging and order are not documented). */
  async list(): Promise<Record<string, unknown>[]> {
    const now = this.ctx.clock.now();
    return (await this.engine.list()).map((batch) => this.render(batch, now));
  }

  async cancel(id: string): Promise<Record<string, unknown>> {
    const batch = this.engine.require(id);
    await this.engine.cancel(batch);
    return this.render(batch, this.ctx.clock.now());
  }

  reset(): void {
    this.engine.reset();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /**
   * Reads the request file in the VALIDATING phase: a line that is not `{custom_id, body}` fails the whole batch
   * (the server validates the file then); a model not available for batch fails it too. A request its endpoint
   * refuses fails alone, in the error file.
   */
  private async plan(batch: TogetherBatch) {
    const fail = (message: string) => ({ ok: false as const, failure: message });
    const { faults, seq } = batch;
    if (faults.failValidation) return fail('The batch failed validation (injected fault).');
    const customIds: string[] = [];
    const outcomes: Outcome[] = [];
    const rng = batchRng(faults.seed, 'together', seq, 'invalid-json');
    let firstModel: string | null = null;
    let lineNumber = 0;
    const input = createReadStream(batch.inputPath);
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const raw of lines) {
        lineNumber += 1;
        if (raw.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          return fail(`Line ${lineNumber}: not valid JSON.`);
        }
        if (!isRecord(value) || typeof value.custom_id !== 'string' || value.custom_id === '') {
          return fail(`Line ${lineNumber}: custom_id is required.`);
        }
        if (value.custom_id.length > 64)
          return fail(`Line ${lineNumber}: custom_id is longer than 64 characters.`);
        if (!isRecord(value.body)) return fail(`Line ${lineNumber}: body must be an object.`);
        if (customIds.length >= MAX_BATCH_REQUESTS)
          return fail(`A batch holds at most ${MAX_BATCH_REQUESTS} requests.`);
        const model = batch.modelId ?? (typeof value.body.model === 'string' ? value.body.model : null);
        if (model && NOT_FOR_BATCH.has(model))
          return fail(`Model ${model} is not available for batch inference.`);
        firstModel ??= model;
        customIds.push(value.custom_id);
        outcomes.push(
          model
            ? executeRequest(CHAT_ENDPOINT, value.body, model, {
                invalidJsonRate: faults.invalidJsonRate,
                cachedFraction: faults.cachedFraction,
                rng,
                nulAnswers: faults.nulAnswers,
              })
            : requestError(404, errorFor(404)),
        );
      }
    } finally {
      lines.close();
      input.destroy();
    }
    if (customIds.length === 0) return fail('The input file has no requests.');
    batch.modelId ??= firstModel;
    injectCompatibleErrors(
      customIds,
      outcomes,
      requestErrorDraw(faults, this.ctx.faults, 'together', seq),
      errorFor,
    );
    const order = batchRng(faults.seed, 'together', seq, 'order');
    return { ok: true as const, plan: compatiblePlan(firstModel ?? '', customIds, outcomes, order) };
  }

  /** Successes to the output file, failures to the error file; requests an expiry or a cancel kept out get no line. */
  private async writeResults(batch: TogetherBatch, run: BatchRun): Promise<void> {
    const plan = batch.plan!;
    const written = await writeCompatibleResults(
      batch,
      run,
      { provider: 'together', blobs: this.ctx.blobs },
      {
        ran: (index, finishedAt, rng) =>
          resultLine(plan.customIds[index]!, plan.outcomes[index]!, unixSeconds(finishedAt), rng),
      },
    );
    if (batch.discarded) return;
    if (written.output) {
      const { path, bytes, lines } = written.output;
      batch.outputFileId = this.files.addResult(path, bytes, lines, `${batch.id}-output.jsonl`).id;
    }
    if (written.error) {
      const { path, bytes, lines } = written.error;
      batch.errorFileId = this.files.addResult(path, bytes, lines, `${batch.id}-error.jsonl`).id;
    }
  }

  /** A BatchJob: ISO times, an upper-case status, progress in percent, no request counts. */
  private render(batch: TogetherBatch, now: number): Record<string, unknown> {
    const progress = progressAt(batch, now);
    const stage = stageOf(batch);
    const job: Record<string, unknown> = {
      id: batch.id,
      user_id: 'emulator-user',
      input_file_id: batch.inputFileId,
      file_size_bytes: batch.fileSizeBytes,
      status: STATUS[stage],
      job_deadline: new Date(batch.at.created + WINDOW_MS).toISOString(),
      created_at: new Date(batch.at.created).toISOString(),
      endpoint: batch.endpoint,
      progress:
        stage === 'completed'
          ? 100
          : progress && progress.total > 0
            ? (100 * progress.done) / progress.total
            : 0,
      model_id: batch.modelId ?? '',
    };
    if (batch.outputFileId) job.output_file_id = batch.outputFileId;
    if (batch.errorFileId) job.error_file_id = batch.errorFileId;
    if (batch.failure) job.error = batch.failure;
    if (batch.at.ended !== null) job.completed_at = new Date(batch.at.ended).toISOString();
    return job;
  }
}

function status(batch: TogetherBatch): BatchStatus {
  return STATUS[stageOf(batch)];
}

/** The error of a request failed by status (an injected `request_errors`, an unknown model). */
function errorFor(status: number): ApiErrorObject {
  if (status === 404) {
    return {
      message: 'Invalid model specified',
      type: 'invalid_request_error',
      param: 'model',
      code: 'invalid_model',
    };
  }
  if (status === 429) return { message: 'Rate limit exceeded', type: 'rate_limit', param: null, code: null };
  if (status >= 500)
    return { message: 'Internal server error', type: 'server_error', param: null, code: null };
  return { message: 'Invalid request', type: 'invalid_request_error', param: null, code: null };
}

function parseCreate(body: unknown): CreateParams {
  if (!isRecord(body)) throw badRequest('The request body must be a JSON object.');
  const {
    endpoint,
    input_file_id: inputFileId,
    completion_window: window,
    model_id: modelId,
    priority,
  } = body;
  if (typeof inputFileId !== 'string' || inputFileId === '') {
    throw badRequest('input_file_id is required.', 'input_file_id');
  }
  if (typeof endpoint !== 'string' || !ENDPOINTS.includes(endpoint)) {
    throw badRequest(`endpoint must be one of ${ENDPOINTS.join(', ')}.`, 'endpoint');
  }
  if (window !== undefined && typeof window !== 'string')
    throw badRequest('completion_window must be a string.');
  if (modelId !== undefined && typeof modelId !== 'string') throw badRequest('model_id must be a string.');
  if (priority !== undefined && typeof priority !== 'number') throw badRequest('priority must be a number.');
  return {
    endpoint,
    input_file_id: inputFileId,
    ...(window === undefined ? {} : { completion_window: window }),
    ...(modelId === undefined ? {} : { model_id: modelId }),
    ...(priority === undefined ? {} : { priority }),
  };
}
