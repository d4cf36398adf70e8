import type { Readable } from 'node:stream';
import { BatchEngine } from '../core/batch-engine/engine';
import { batchRng, completionPlan, injectRequestErrors, requestErrorDraw } from '../core/batch-engine/plan';
import { randomBase62 } from '../core/ids';
import type { EmulatorContext } from '../core/provider';
import type { ApiVersion } from './api-version';
import { BatchIntake } from './batch-intake';
import type { AnthropicBatch, BatchPlan } from './batch-record';
import { writeBatchResults } from './batch-results';
import { renderBatch } from './batch-view';
import { readCreateBody } from './create-body';
import { badRequest, notFound, requestErrorForStatus } from './errors';
import { executeMessage, type Outcome } from './message-executor';
import { OUTPUT_300K_BETA } from './model-limits';
import { type ListQuery, page } from './pagination';
import type { DeletedMessageBatch, ListBody, WireMessageBatch } from './types';

export const PROVIDER = 'anthropic';

export interface CreateCall {
  body: Readable;
  declaredBytes: number | null;
  version: ApiVersion;
  apiRoot: string;
  /** The create call's `anthropic-beta` values. */
  betas: ReadonlySet<string>;
}

/** Message Batches: requests run as the create call streams in; the batch then waits, processes and ends. */
export class BatchService {
  private readonly engine: BatchEngine<AnthropicBatch>;

  constructor(private readonly ctx: EmulatorContext) {
    this.engine = new BatchEngine<AnthropicBatch>(ctx, {
      provider: PROVIDER,
      profile: { finalizing: false, cancelBeforeRunning: 'cancelling' },
      newId: () => `msgbatch_${randomBase62(24)}`,
      notFound: (id) => notFound(`No message batch with id ${id}.`),
      writeResults: (batch, run) => writeBatchResults(batch, run, ctx.blobs),
      // Our choice: an ended batch, cancelled or not, refuses a cancel.
      refuseCancel: (batch) => badRequest(`Batch ${batch.id} has already ended and cannot be canceled.`),
      onForgotten: (batch) => ctx.blobs.discard(batch.resultsPath ? [batch.resultsPath] : []),
    });
  }

  /** Params are run as they stream in; only their count, shape and ids can make the call fail. */
  async create(call: CreateCall): Promise<WireMessageBatch> {
    const seq = this.engine.takeSeq();
    const config = this.ctx.faults.current();
    const jsonRng = batchRng(this.ctx.faults.seed(), PROVIDER, seq, 'invalid-json');
    const intake = new BatchIntake((params) =>
      executeMessage(params, {
        version: call.version,
        invalidJsonRate: config.invalid_json_rate,
        cachedFraction: config.cached_fraction,
        cacheWriteFraction: config.cache_write_fraction,
        rng: jsonRng,
        nulAnswers: this.ctx.faults.nulAnswersFor(PROVIDER),
        output300k: call.betas.has(OUTPUT_300K_BETA),
      }),
    );
    const bytes = await readCreateBody(call.body, call.declaredBytes, (raw, index) => intake.add(raw, index));
    const batch = this.engine.create({
      seq,
      fields: { resultsPath: null },
      requests: intake.outcomes.length,
      bytes,
      plan: (batch) => ({ ok: true, plan: this.plan(batch, intake) }),
    });
    return renderBatch(batch, call.apiRoot);
  }

  async get(id: string, apiRoot: string): Promise<WireMessageBatch> {
    return renderBatch(await this.engine.get(id), apiRoot);
  }

  async list(query: ListQuery, apiRoot: string): Promise<ListBody<WireMessageBatch>> {
    const newestFirst = await this.engine.list();
    return page(
      newestFirst.map((batch) => renderBatch(batch, apiRoot)),
      query,
    );
  }

  async cancel(id: string, apiRoot: string): Promise<WireMessageBatch> {
    const batch = this.engine.require(id);
    await this.engine.cancel(batch);
    return renderBatch(batch, apiRoot);
  }

  /** Only an ended batch can be deleted (cancel it first). */
  async delete(id: string): Promise<DeletedMessageBatch> {
    const batch = await this.engine.get(id);
    if (batch.phase !== 'ended') {
      throw badRequest(
        `Batch ${id} is still processing; cancel it and wait for it to end before deleting it.`,
      );
    }
    this.engine.forget(batch);
    return { id, type: 'message_batch_deleted' };
  }

  /** Path of the results file of an ended batch. */
  async resultsPath(id: string): Promise<string> {
    const batch = await this.engine.get(id);
    if (batch.resultsPath === null) {
      throw badRequest(`Batch ${id} has not ended yet; its results are not available.`);
    }
    return batch.resultsPath;
  }

  reset(): void {
    this.engine.reset();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /** `request_errors` strike the outcomes, then the completion order is drawn. */
  private plan(batch: AnthropicBatch, intake: BatchIntake): BatchPlan {
    const { faults, seq } = batch;
    const { customIds, outcomes } = intake;
    const failed = (outcome: Outcome) => outcome.kind === 'error';
    injectRequestErrors(outcomes, requestErrorDraw(faults, this.ctx.faults, PROVIDER, seq), {
      failed,
      id: (index) => customIds[index]!,
      failWith: (status): Outcome => ({ kind: 'error', error: requestErrorForStatus(status) }),
    });
    return {
      ...completionPlan(outcomes, failed, batchRng(faults.seed, PROVIDER, seq, 'order')),
      customIds,
      outcomes,
    };
  }
}
