import { randomHex } from '../core/ids';
import type { EmulatorContext } from '../core/provider';
import { advance, cancel, type LifecycleHooks, nextTransitionAt } from './batch-lifecycle';
import type { BatchParams } from './batch-params';
import { planBatch } from './batch-plan';
import { doneCount } from './batch-progress';
import { type BatchRecord, TERMINAL_STATUSES } from './batch-record';
import { writeBatchResults } from './batch-results';
import { renderBatch } from './batch-view';
import { queueFullError } from './enqueued-tokens';
import { badRequest, notFound } from './errors';
import type { FileRegistry } from './file-registry';
import { cursorPage } from './pagination';
import type { ListBody, WireBatch } from './types';

/**
 * Owns the batches. State advances lazily when a batch is read, and by a timer at each boundary
 * so result files are ready (and cancel/expiry cut-offs fixed) without anyone polling.
 */
export class BatchService {
  private batches = new Map<string, BatchRecord>();
  private seq = 0;
  private readonly hooks: LifecycleHooks;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly files: FileRegistry,
  ) {
    this.hooks = {
      now: () => ctx.clock.now(),
      writeResults: (batch, done, expired, atMs) =>
        writeBatchResults(batch, done, expired, atMs, { blobs: ctx.blobs, files }),
    };
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
    const faults = this.ctx.faults.forNewBatch('openai');
    const now = this.ctx.clock.now();
    const batch: BatchRecord = {
      seq: this.seq++,
      id: `batch_${randomHex(32)}`,
      params,
      faults,
      stepMs: this.ctx.stepMs * faults.slowFactor,
      status: 'validating',
      createdAtMs: now,
      inProgressAtMs: null,
      finalizingAtMs: null,
      completedAtMs: null,
      failedAtMs: null,
      expiredAtMs: null,
      cancellingAtMs: null,
      cancelledAtMs: null,
      plan: null,
      errors: null,
      planReadyAtMs: null,
      doneAtCancel: null,
      outputFileId: null,
      errorFileId: null,
      writing: null,
      unschedule: null,
      discarded: false,
    };
    this.batches.set(batch.id, batch);
    this.ctx.stats.add('openai', { batches: 1, requests: input.lines });
    this.validate(batch, input.path, input.object.bytes).catch((error) =>
      console.error(`[emulator] could not validate ${batch.id}`, error),
    );
    return renderBatch(batch, now);
  }

  async get(id: string): Promise<WireBatch> {
    const batch = this.find(id);
    await this.tick(batch);
    return renderBatch(batch, this.ctx.clock.now());
  }

  async list(after: string | undefined, limit: number): Promise<ListBody<WireBatch>> {
    const all = [...this.batches.values()];
    await Promise.all(all.map((batch) => this.tick(batch)));
    const now = this.ctx.clock.now();
    const newestFirst = all.sort((a, b) => b.seq - a.seq).map((batch) => renderBatch(batch, now));
    return cursorPage(newestFirst, after, limit);
  }

  async cancel(id: string): Promise<WireBatch> {
    const batch = this.find(id);
    await this.tick(batch);
    const now = this.ctx.clock.now();
    cancel(batch, now, doneCount(batch, now));
    this.schedule(batch);
    return renderBatch(batch, now);
  }

  /** Forgets every batch; work still running for them is dropped. */
  reset(): void {
    for (const batch of this.batches.values()) {
      batch.discarded = true;
      batch.unschedule?.();
    }
    this.batches = new Map();
    this.seq = 0;
  }

  async close(): Promise<void> {
    const writing = [...this.batches.values()].map((batch) => batch.writing);
    this.reset();
    await Promise.allSettled(writing);
  }

  private find(id: string): BatchRecord {
    const batch = this.batches.get(id);
    if (!batch) throw notFound(`No such Batch object: ${id}`, 'batch_id');
    return batch;
  }

  private async validate(batch: BatchRecord, path: string, bytes: number): Promise<void> {
    const result = await planBatch({
      seq: batch.seq,
      path,
      bytes,
      endpoint: batch.params.endpoint,
      faults: batch.faults,
      allowFailure: (customId, max) => this.ctx.faults.allowRequestFailure('openai', customId, max),
    });
    if (batch.discarded) return;
    const others = [...this.batches.values()].filter((other) => other !== batch);
    const queueFull = result.ok
      ? queueFullError(result.plan, others, this.ctx.faults.enqueuedTokenLimit())
      : null;
    if (queueFull) batch.errors = [queueFull];
    else if (result.ok) batch.plan = result.plan;
    else batch.errors = result.errors;
    batch.planReadyAtMs = this.ctx.clock.now();
    await this.tick(batch);
  }

  private async tick(batch: BatchRecord): Promise<void> {
    if (batch.discarded || TERMINAL_STATUSES.has(batch.status)) return;
    await advance(batch, this.hooks);
    this.schedule(batch);
  }

  private schedule(batch: BatchRecord): void {
    batch.unschedule?.();
    batch.unschedule = null;
    if (batch.discarded) return;
    const at = nextTransitionAt(batch);
    if (at === null) return;
    batch.unschedule = this.ctx.scheduler.at(at, () => {
      this.tick(batch).catch((error) => console.error(`[emulator] could not advance ${batch.id}`, error));
    });
  }
}
