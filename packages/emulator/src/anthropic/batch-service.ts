import type { Readable } from 'node:stream';
import { randomBase62 } from '../core/ids';
import { createRng, seedFrom, shuffledIndices } from '../core/prng';
import type { EmulatorContext } from '../core/provider';
import type { ApiVersion } from './api-version';
import { BatchIntake } from './batch-intake';
import { advance, cancel, type LifecycleHooks, nextTransitionAt, processingStatus } from './batch-lifecycle';
import type { BatchPlan, BatchRecord } from './batch-record';
import { writeBatchResults } from './batch-results';
import { renderBatch } from './batch-view';
import { readCreateBody } from './create-body';
import { badRequest, notFound, requestErrorForStatus } from './errors';
import { executeMessage, type Outcome } from './message-executor';
import { type ListQuery, page } from './pagination';
import type { DeletedMessageBatch, ListBody, WireMessageBatch } from './types';

export const PROVIDER = 'anthropic';

export interface CreateCall {
  body: Readable;
  declaredBytes: number | null;
  version: ApiVersion;
  apiRoot: string;
}

/**
 * Owns the batches. State advances lazily when a batch is read, and by a timer at its end so the results
 * file is written (and cancel/expiry cut-offs fixed) without anyone polling.
 */
export class BatchService {
  private batches = new Map<string, BatchRecord>();
  private seq = 0;
  private readonly hooks: LifecycleHooks;

  constructor(private readonly ctx: EmulatorContext) {
    this.hooks = {
      now: () => ctx.clock.now(),
      writeResults: (batch) => writeBatchResults(batch, ctx.blobs),
    };
  }

  /** Params are run as they stream in; only their count, shape and ids can make the call fail. */
  async create(call: CreateCall): Promise<WireMessageBatch> {
    const seq = this.seq++;
    const config = this.ctx.faults.current();
    const seed = this.ctx.faults.seed();
    const jsonRng = createRng(seedFrom(seed, PROVIDER, seq, 'invalid-json'));
    const intake = new BatchIntake((params) =>
      executeMessage(params, {
        version: call.version,
        invalidJsonRate: config.invalid_json_rate,
        cachedFraction: config.cached_fraction,
        cacheWriteFraction: config.cache_write_fraction,
        rng: jsonRng,
        nulAnswers: this.ctx.faults.nulAnswersFor(PROVIDER),
      }),
    );
    const bytes = await readCreateBody(call.body, call.declaredBytes, (raw, index) => intake.add(raw, index));

    const faults = this.ctx.faults.forNewBatch(PROVIDER);
    this.injectFailures(seq, faults.seed, intake, faults.requestErrors);
    const now = this.ctx.clock.now();
    const batch: BatchRecord = {
      seq,
      id: `msgbatch_${randomBase62(24)}`,
      faults,
      stepMs: this.ctx.stepMs * faults.slowFactor,
      createdAtMs: now,
      plan: buildPlan(intake, createRng(seedFrom(faults.seed, PROVIDER, seq, 'order'))),
      cancelInitiatedAtMs: null,
      endedAtMs: null,
      ran: null,
      endReason: null,
      resultsPath: null,
      writing: null,
      unschedule: null,
      discarded: false,
    };
    this.batches.set(batch.id, batch);
    this.ctx.stats.add(PROVIDER, { batches: 1, requests: intake.outcomes.length, bytes });
    this.schedule(batch);
    return renderBatch(batch, call.apiRoot);
  }

  async get(id: string, apiRoot: string): Promise<WireMessageBatch> {
    const batch = await this.current(id);
    return renderBatch(batch, apiRoot);
  }

  async list(query: ListQuery, apiRoot: string): Promise<ListBody<WireMessageBatch>> {
    const all = [...this.batches.values()];
    await Promise.all(all.map((batch) => this.tick(batch)));
    const newestFirst = all.sort((a, b) => b.seq - a.seq).map((batch) => renderBatch(batch, apiRoot));
    return page(newestFirst, query);
  }

  async cancel(id: string, apiRoot: string): Promise<WireMessageBatch> {
    const batch = await this.current(id);
    cancel(batch, this.ctx.clock.now());
    this.schedule(batch);
    return renderBatch(batch, apiRoot);
  }

  /** Only an ended batch can be deleted (cancel it first). */
  async delete(id: string): Promise<DeletedMessageBatch> {
    const batch = await this.current(id);
    if (processingStatus(batch) !== 'ended') {
      throw badRequest(
        `Batch ${id} is still processing; cancel it and wait for it to end before deleting it.`,
      );
    }
    this.forget(batch);
    this.batches.delete(id);
    return { id, type: 'message_batch_deleted' };
  }

  /** Path of the results file of an ended batch. */
  async resultsPath(id: string): Promise<string> {
    const batch = await this.current(id);
    if (batch.resultsPath === null) {
      throw badRequest(`Batch ${id} has not ended yet; its results are not available.`);
    }
    return batch.resultsPath;
  }

  reset(): void {
    for (const batch of this.batches.values()) this.forget(batch);
    this.batches = new Map();
    this.seq = 0;
  }

  async close(): Promise<void> {
    const writing = [...this.batches.values()].map((batch) => batch.writing);
    this.reset();
    await Promise.allSettled(writing);
  }

  private async current(id: string): Promise<BatchRecord> {
    const batch = this.batches.get(id);
    if (!batch) throw notFound(`No message batch with id ${id}.`);
    await this.tick(batch);
    return batch;
  }

  private forget(batch: BatchRecord): void {
    batch.discarded = true;
    batch.unschedule?.();
    if (batch.resultsPath) void this.ctx.blobs.remove(batch.resultsPath).catch(() => undefined);
  }

  private injectFailures(
    seq: number,
    seed: number,
    intake: BatchIntake,
    policy: { rate: number; status: number; maxPerCustomId: number } | null,
  ): void {
    if (!policy || policy.rate <= 0) return;
    const rng = createRng(seedFrom(seed, PROVIDER, seq, 'request-errors'));
    const { outcomes, customIds } = intake;
    for (let i = 0; i < outcomes.length; i++) {
      if (outcomes[i]!.kind === 'error') continue;
      if (rng.next() >= policy.rate) continue;
      if (!this.ctx.faults.allowRequestFailure(PROVIDER, customIds[i]!, policy.maxPerCustomId)) continue;
      outcomes[i] = { kind: 'error', error: requestErrorForStatus(policy.status) };
    }
  }

  private async tick(batch: BatchRecord): Promise<void> {
    if (batch.discarded || batch.endedAtMs !== null) return;
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
      this.tick(batch).catch((error) => console.error(`[emulator] could not end ${batch.id}`, error));
    });
  }
}

function buildPlan(intake: BatchIntake, rng: ReturnType<typeof createRng>): BatchPlan {
  const { customIds, outcomes } = intake;
  const order = shuffledIndices(outcomes.length, rng);
  const erroredBefore = new Uint32Array(outcomes.length + 1);
  for (let k = 0; k < outcomes.length; k++) {
    const outcome: Outcome = outcomes[order[k]!]!;
    erroredBefore[k + 1] = erroredBefore[k]! + (outcome.kind === 'error' ? 1 : 0);
  }
  return { customIds, outcomes, order, erroredBefore };
}
