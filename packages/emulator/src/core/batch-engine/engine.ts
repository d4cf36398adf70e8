import { HttpError } from '../http-error';
import type { EmulatorContext } from '../provider';
import type { BatchRun, EndReason, EngineBatch, OwnFields, PlanOutcome } from './batch';
import { type LifecycleProfile, nextTransitionAt } from './lifecycle';
import { doneAt, doneAtExpiry } from './progress';

export interface BatchEngineHooks<B extends EngineBatch> {
  /** Names the batches' faults, stats and random streams: `openai`, `anthropic`, … */
  provider: string;
  /** The provider speaks OpenAI's batch wire: the faults only that wire has (`lose_output_file`) apply to it. */
  openAIWire?: boolean;
  profile: LifecycleProfile;
  newId(): string;
  /** What `require` throws for an unknown id. */
  notFound?(id: string): HttpError;
  /** Writes and publishes the results of a batch that ends with a plan (`batch.plan` is set); called once. */
  writeResults(batch: B, run: BatchRun): Promise<void>;
  /** What a cancel of a batch past running answers, or null when it changes nothing (the batch was cancelled). */
  refuseCancel(batch: B): HttpError | null;
  /** The batch starts running (`batch.at.running` is set). */
  onRunning?(batch: B): void;
  onEnded?(batch: B): void;
  /** The batch was dropped by a reset or a delete: release what it holds. */
  onForgotten?(batch: B): void;
}

export type BatchPlanOutcome<B extends EngineBatch> = PlanOutcome<
  NonNullable<B['plan']>,
  NonNullable<B['failure']>
>;

export interface NewBatch<B extends EngineBatch> {
  fields: OwnFields<B>;
  /** Requests the batch holds, for `stats()`. */
  requests: number;
  /** Bytes the create call itself carried, for `stats()`. */
  bytes?: number;
  /** A seq taken with `takeSeq()` before the batch could be made; by default the next one. */
  seq?: number;
  /** The plan at once, or a promise of it: the batch stays `starting` until it is ready. */
  plan(batch: B): BatchPlanOutcome<B> | Promise<BatchPlanOutcome<B>>;
}

/**
 * Owns one provider's batches and moves them through their lifecycle. State advances lazily when a batch is read,
 * and by a timer at each boundary, so results are written (and cancel and expiry cut-offs fixed) without anyone
 * polling.
 */
export class BatchEngine<B extends EngineBatch> {
  private batches = new Map<string, B>();
  private seq = 0;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly hooks: BatchEngineHooks<B>,
  ) {
    ctx.stats.register(hooks.provider);
  }

  /** Reserves the seq of a batch whose creation has to do work first; a failed creation still uses it up. */
  takeSeq(): number {
    return this.seq++;
  }

  create(init: NewBatch<B>): B {
    const { provider } = this.hooks;
    const faults = this.ctx.faults.forNewBatch(provider, { openAIWire: this.hooks.openAIWire ?? false });
    const now = this.ctx.clock.now();
    const base: EngineBatch = {
      seq: init.seq ?? this.seq++,
      id: this.hooks.newId(),
      faults,
      stepMs: this.ctx.stepMs * faults.slowFactor,
      phase: 'starting',
      end: null,
      at: { created: now, running: null, finalizing: null, cancelling: null, ended: null },
      plan: null,
      failure: null,
      planReadyAt: null,
      doneAtCancel: null,
      writing: null,
      unschedule: null,
      discarded: false,
    };
    const batch = { ...init.fields, ...base } as B;
    this.batches.set(batch.id, batch);
    this.ctx.stats.add(provider, { batches: 1, requests: init.requests, bytes: init.bytes ?? 0 });
    const planned = init.plan(batch);
    if (planned instanceof Promise) {
      planned
        .then((outcome) => this.planReady(batch, outcome))
        .catch((error) => console.error(`[emulator] could not plan ${provider} batch ${batch.id}`, error));
    } else {
      this.settle(batch, planned, now);
      this.schedule(batch);
    }
    return batch;
  }

  /** The batch as it was last advanced. */
  find(id: string): B | undefined {
    return this.batches.get(id);
  }

  /** The batch as it was last advanced, or the provider's not-found error. */
  require(id: string): B {
    const batch = this.batches.get(id);
    if (!batch) throw this.hooks.notFound?.(id) ?? new HttpError(404, `No batch ${id}.`);
    return batch;
  }

  /** The batch brought up to date, or the provider's not-found error. */
  get(id: string): Promise<B> {
    return this.refresh(this.require(id));
  }

  /** Every batch as it was last advanced, oldest first. */
  all(): B[] {
    return [...this.batches.values()];
  }

  /** Every batch `include` keeps, brought up to date, newest first. */
  async list(include: (batch: B) => boolean = () => true): Promise<B[]> {
    const selected = [...this.batches.values()].filter(include);
    await Promise.all(selected.map((batch) => this.refresh(batch)));
    return selected.sort((a, b) => b.seq - a.seq);
  }

  /** Applies every transition due by now, then sets a timer for the next one. */
  async refresh(batch: B): Promise<B> {
    if (batch.discarded || batch.phase === 'ended') return batch;
    await this.advance(batch);
    this.schedule(batch);
    return batch;
  }

  /**
   * `starting`/`running` → `cancelling` (or, per the profile, straight to `cancelled`); cancelling again changes
   * nothing; past running the provider refuses, or ignores a cancel of a cancelled batch.
   */
  async cancel(batch: B): Promise<void> {
    await this.refresh(batch);
    const now = this.ctx.clock.now();
    switch (batch.phase) {
      case 'cancelling':
        return;
      case 'starting':
        batch.doneAtCancel = 0;
        if (this.hooks.profile.cancelBeforeRunning === 'ends-at-once') {
          this.end(batch, 'cancelled', now);
          return;
        }
        break;
      case 'running':
        batch.doneAtCancel = doneAt(batch, now);
        break;
      default: {
        const refusal = this.hooks.refuseCancel(batch);
        if (refusal) throw refusal;
        return;
      }
    }
    batch.phase = 'cancelling';
    batch.at.cancelling = now;
    this.schedule(batch);
  }

  /** Drops one batch; work still running for it is abandoned. */
  forget(batch: B): void {
    this.discard(batch);
    this.batches.delete(batch.id);
  }

  /** Forgets every batch; work still running for them is abandoned. */
  reset(): void {
    for (const batch of this.batches.values()) this.discard(batch);
    this.batches = new Map();
    this.seq = 0;
  }

  async close(): Promise<void> {
    const writing = [...this.batches.values()].map((batch) => batch.writing);
    this.reset();
    await Promise.allSettled(writing);
  }

  private async planReady(batch: B, outcome: BatchPlanOutcome<B>): Promise<void> {
    if (batch.discarded) return;
    this.settle(batch, outcome, this.ctx.clock.now());
    await this.refresh(batch);
  }

  private settle(batch: B, outcome: BatchPlanOutcome<B>, now: number): void {
    if (outcome.ok) batch.plan = outcome.plan;
    else batch.failure = outcome.failure;
    batch.planReadyAt = now;
  }

  /** Timestamps are the scheduled boundaries, not the time of the read, so no outcome depends on who looks when. */
  private async advance(batch: B): Promise<void> {
    for (;;) {
      const at = nextTransitionAt(batch);
      if (at === null || this.ctx.clock.now() < at) return;
      switch (batch.phase) {
        case 'starting':
          if (batch.failure !== null) {
            this.end(batch, 'failed', at);
            return;
          }
          batch.phase = 'running';
          batch.at.running = at;
          this.hooks.onRunning?.(batch);
          break;
        case 'running':
          if (batch.faults.expireFraction !== null) {
            await this.finish(batch, 'expired', doneAtExpiry(batch), at);
            return;
          }
          if (!this.hooks.profile.finalizing) {
            await this.finish(batch, 'completed', batch.plan?.total ?? 0, at);
            return;
          }
          batch.phase = 'finalizing';
          batch.at.finalizing = at;
          break;
        case 'finalizing':
          await this.finish(batch, 'completed', batch.plan?.total ?? 0, at);
          return;
        case 'cancelling':
          await this.finish(batch, 'cancelled', batch.doneAtCancel ?? 0, at);
          return;
        default:
          return;
      }
    }
  }

  /** Writes the results once (every reader awaits the same write), then ends the batch. */
  private async finish(batch: B, reason: EndReason, done: number, at: number): Promise<void> {
    // A batch without a plan (cancelled, then its validation failed) has no results.
    batch.writing ??= batch.plan
      ? this.hooks
          .writeResults(batch, { done, reason, at })
          .catch((error) => console.error(`[emulator] could not write the results of ${batch.id}`, error))
      : Promise.resolve();
    await batch.writing;
    if (batch.phase !== 'ended') this.end(batch, reason, at);
  }

  private end(batch: B, reason: EndReason, at: number): void {
    batch.phase = 'ended';
    batch.end = reason;
    batch.at.ended = at;
    this.hooks.onEnded?.(batch);
  }

  private schedule(batch: B): void {
    batch.unschedule?.();
    batch.unschedule = null;
    if (batch.discarded) return;
    const at = nextTransitionAt(batch);
    if (at === null) return;
    batch.unschedule = this.ctx.scheduler.at(at, () => {
      this.refresh(batch).catch((error) => console.error(`[emulator] could not advance ${batch.id}`, error));
    });
  }

  private discard(batch: B): void {
    batch.discarded = true;
    batch.unschedule?.();
    this.hooks.onForgotten?.(batch);
  }
}
