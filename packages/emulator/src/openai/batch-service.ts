import { BatchEngine } from '../core/batch-engine/engine';
import { requestErrorDraw } from '../core/batch-engine/plan';
import type { BatchFaults, FaultRegistry } from '../core/faults';
import { randomHex } from '../core/ids';
import type { EmulatorContext } from '../core/provider';
import {
  type BatchParams,
  type CompletionWindows,
  OPENAI_COMPLETION_WINDOWS,
  OPENAI_ENDPOINTS,
  type WireBatchEndpoint,
} from './batch-params';
import { planBatch } from './batch-plan';
import type { OpenAIBatch } from './batch-record';
import { writeBatchResults } from './batch-results';
import { batchStatus, renderBatch } from './batch-view';
import { openAIQueueLimit, type QueueLimit, queueFullError } from './enqueued-tokens';
import { badRequest, notFound } from './errors';
import type { FileRegistry } from './file-registry';
import { cursorPage } from './pagination';
import type { ResultLineStyle } from './result-lines';
import type { ListBody, WireBatch } from './types';

/** How a provider on OpenAI's wire differs in its batches. */
export interface WireBatchOptions {
  /** `expires_at` when the completion window closes (OpenAI), or none (Azure OpenAI runs a batch past 24 h). */
  expiresAt: boolean;
  /** The `completion_window` values it takes; unset, OpenAI's `24h` only. */
  completionWindows?: CompletionWindows;
  /** The batch endpoints it runs; unset, chat completions and embeddings (OpenAI's mount adds `/v1/responses`). */
  endpoints?: readonly WireBatchEndpoint[];
  /** `errors` as `{object: "list", data}` (OpenAI), or as a bare array (Groq); unset, the list. */
  errors?: 'list' | 'array';
  /** Its cap on requests per file and the code of a file over it; unset, OpenAI's. */
  maxRequests?: { count: number; code: string };
  /** Whose result lines it writes; unset, OpenAI's. */
  lineStyle?: ResultLineStyle;
  /** The enqueued-token limit the faults set for it, in its words. */
  queueLimit(faults: FaultRegistry): QueueLimit | null;
  /** A batch ended (its results are written): OpenAI sends its webhook event then. */
  onEnded?(batch: OpenAIBatch): void;
}

export const OPENAI_BATCH_OPTIONS: WireBatchOptions = {
  expiresAt: true,
  endpoints: OPENAI_ENDPOINTS,
  queueLimit: (faults) => openAIQueueLimit(faults.enqueuedTokenLimit()),
};

/** Faults that change nothing: a file planned only to count its tokens. */
const NO_FAULTS: BatchFaults = {
  seed: 0,
  slowFactor: 1,
  expireFraction: null,
  failValidation: false,
  requestErrors: null,
  invalidJsonRate: 0,
  cachedFraction: 0,
  cacheWriteFraction: 0,
  nulAnswers: null,
  lines: { malformed: null, unknownRate: 0, duplicateRate: 0, truncateAt: null },
  loseOutputFile: false,
};

/** The Batches API of a provider on OpenAI's wire (`provider` names its stats, faults and random streams). */
export class BatchService {
  private readonly engine: BatchEngine<OpenAIBatch>;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: FileRegistry,
    private readonly provider: string,
    private readonly options: WireBatchOptions = OPENAI_BATCH_OPTIONS,
  ) {
    this.engine = new BatchEngine<OpenAIBatch>(ctx, {
      provider,
      openAIWire: true,
      profile: { finalizing: true, cancelBeforeRunning: 'cancelling' },
      newId: () => `batch_${randomHex(32)}`,
      notFound: (id) => notFound(`No such Batch object: ${id}`, 'batch_id'),
      writeResults: (batch, run) =>
        writeBatchResults(batch, run, { provider, blobs: ctx.blobs, files, style: options.lineStyle }),
      refuseCancel: (batch) =>
        batch.end === 'cancelled'
          ? null
          : badRequest(`Cannot cancel a batch with status '${batchStatus(batch)}'.`, null, 'invalid_state'),
      onEnded: (batch) => options.onEnded?.(batch),
    });
  }

  async create(params: BatchParams): Promise<WireBatch> {
    const input = this.files.get(params.inputFileId);
    if (!input) throw notFound(`No such File object: ${params.inputFileId}`, 'input_file_id');
    // Azure OpenAI's words for a file it has not processed yet (its files are `pending` for a while after upload).
    if ((input.object.status as string) === 'pending') {
      throw badRequest(
        `The input file '${params.inputFileId}' is in 'pending' state. Only files with status 'Processed' are ` +
          'accepted for batch inferencing. Please check the file status and try again',
        'input_file_id',
        'invalid_request',
      );
    }
    if (input.object.purpose !== 'batch') {
      throw badRequest(
        `The input file ${params.inputFileId} has purpose '${input.object.purpose}'; batches need purpose 'batch'.`,
        'input_file_id',
        'invalid_file_purpose',
      );
    }
    await this.refuseWhenQueueFull(params, input.path, input.object.bytes);
    const batch = this.engine.create({
      fields: { params, outputFileId: null, errorFileId: null },
      requests: input.lines,
      plan: (batch) => this.validate(batch, input.path, input.object.bytes),
    });
    return this.render(batch, batch.at.created);
  }

  private render(batch: OpenAIBatch, nowMs: number): WireBatch {
    return renderBatch(batch, nowMs, { expiresAt: this.options.expiresAt, errors: this.options.errors });
  }

  /** The endpoints `POST /batches` takes. */
  get endpoints(): readonly WireBatchEndpoint[] | undefined {
    return this.options.endpoints;
  }

  /** The `completion_window` values `POST /batches` takes. */
  get completionWindows(): CompletionWindows {
    return this.options.completionWindows ?? OPENAI_COMPLETION_WINDOWS;
  }

  /** A fail-fast limit refuses the create call itself (400 `token_limit_exceeded`) when the file would pass it. */
  private async refuseWhenQueueFull(params: BatchParams, path: string, bytes: number): Promise<void> {
    const limit = this.options.queueLimit(this.ctx.faults);
    if (!limit?.failFast) return;
    const result = await planBatch({
      provider: this.provider,
      seq: 0,
      path,
      bytes,
      endpoint: params.endpoint,
      faults: NO_FAULTS,
      requestErrors: () => null,
      maxRequests: this.options.maxRequests,
    });
    if (!result.ok) return; // validation fails the batch as usual
    const full = queueFullError(result.plan, this.engine.all(), limit);
    if (full) throw badRequest(full.message, null, full.code);
  }

  async get(id: string): Promise<WireBatch> {
    const batch = await this.engine.get(id);
    return this.render(batch, this.ctx.clock.now());
  }

  async list(after: string | undefined, limit: number): Promise<ListBody<WireBatch>> {
    return cursorPage(await this.listAll(), after, limit);
  }

  /** Every batch `include` keeps, brought up to date and rendered, newest first. */
  async listAll(include: (id: string) => boolean = () => true): Promise<WireBatch[]> {
    const newestFirst = await this.engine.list((batch) => include(batch.id));
    const now = this.ctx.clock.now();
    return newestFirst.map((batch) => this.render(batch, now));
  }

  async cancel(id: string): Promise<WireBatch> {
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

  /** Validates and runs the input file; a batch over the enqueued-token limit fails as OpenAI fails it. */
  private async validate(batch: OpenAIBatch, path: string, bytes: number) {
    const { faults, seq } = batch;
    const result = await planBatch({
      provider: this.provider,
      seq,
      path,
      bytes,
      endpoint: batch.params.endpoint,
      faults,
      requestErrors: requestErrorDraw(faults, this.ctx.faults, this.provider, seq),
      maxRequests: this.options.maxRequests,
    });
    if (!result.ok) return result;
    const others = this.engine.all().filter((other) => other !== batch);
    const queueFull = queueFullError(result.plan, others, this.options.queueLimit(this.ctx.faults));
    return queueFull ? { ok: false as const, failure: [queueFull] } : result;
  }
}
