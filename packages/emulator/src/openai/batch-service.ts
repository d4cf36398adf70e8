import { BatchEngine } from '../core/batch-engine/engine';
import { requestErrorDraw } from '../core/batch-engine/plan';
import { randomHex } from '../core/ids';
import type { EmulatorContext } from '../core/provider';
import type { BatchParams } from './batch-params';
import { planBatch } from './batch-plan';
import type { OpenAIBatch } from './batch-record';
import { writeBatchResults } from './batch-results';
import { batchStatus, renderBatch } from './batch-view';
import { queueFullError } from './enqueued-tokens';
import { badRequest, notFound } from './errors';
import type { FileRegistry } from './file-registry';
import { cursorPage } from './pagination';
import type { ListBody, WireBatch } from './types';

/** The Batches API of a provider on OpenAI's wire (`provider` names its stats, faults and random streams). */
export class BatchService {
  private readonly engine: BatchEngine<OpenAIBatch>;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: FileRegistry,
    private readonly provider: string,
  ) {
    this.engine = new BatchEngine<OpenAIBatch>(ctx, {
      provider,
      openAIWire: true,
      profile: { finalizing: true, cancelBeforeRunning: 'cancelling' },
      newId: () => `batch_${randomHex(32)}`,
      notFound: (id) => notFound(`No such Batch object: ${id}`, 'batch_id'),
      writeResults: (batch, run) => writeBatchResults(batch, run, { provider, blobs: ctx.blobs, files }),
      refuseCancel: (batch) =>
        batch.end === 'cancelled'
          ? null
          : badRequest(`Cannot cancel a batch with status '${batchStatus(batch)}'.`, null, 'invalid_state'),
    });
  }

  create(params: BatchParams): WireBatch {
    const input = this.files.get(params.inputFileId);
    if (!input) throw notFound(`No such File object: ${params.inputFileId}`, 'input_file_id');
    if (input.object.purpose !== 'batch') {
      throw badRequest(
        `The input file ${params.inputFileId} has purpose '${input.object.purpose}'; batches need purpose 'batch'.`,
        'input_file_id',
        'invalid_file_purpose',
      );
    }
    const batch = this.engine.create({
      fields: { params, outputFileId: null, errorFileId: null },
      requests: input.lines,
      plan: (batch) => this.validate(batch, input.path, input.object.bytes),
    });
    return renderBatch(batch, batch.at.created);
  }

  async get(id: string): Promise<WireBatch> {
    const batch = await this.engine.get(id);
    return renderBatch(batch, this.ctx.clock.now());
  }

  async list(after: string | undefined, limit: number): Promise<ListBody<WireBatch>> {
    const newestFirst = await this.engine.list();
    const now = this.ctx.clock.now();
    return cursorPage(
      newestFirst.map((batch) => renderBatch(batch, now)),
      after,
      limit,
    );
  }

  async cancel(id: string): Promise<WireBatch> {
    const batch = this.engine.require(id);
    await this.engine.cancel(batch);
    return renderBatch(batch, this.ctx.clock.now());
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
    });
    if (!result.ok) return result;
    const others = this.engine.all().filter((other) => other !== batch);
    const queueFull = queueFullError(result.plan, others, this.ctx.faults.enqueuedTokenLimit());
    return queueFull ? { ok: false as const, failure: [queueFull] } : result;
  }
}
