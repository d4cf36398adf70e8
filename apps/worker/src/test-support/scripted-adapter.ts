import { randomUUID } from 'node:crypto';
import {
  type BatchAdapter,
  type BatchContext,
  type BatchRef,
  descriptorOf,
  type ExistingBatch,
  type ExistingBatchQuery,
  type JobKind,
  type NormalizedResult,
  type PollResult,
  type Provider,
  type ProviderLimits,
  type SubmitRequest,
  type SubmitResult,
  type UnifiedRequest,
} from '@tranche/adapters';

export type AdapterMethod = 'findExisting' | 'submit' | 'poll' | 'fetchResults' | 'cancel' | 'cleanup';

/**
 * A provider whose answers the test writes beforehand: our own `BatchAdapter` interface, for the few decisions the
 * emulator cannot be made to show (a line it never loses, a limit it never reaches). Every call is recorded.
 */
export class ScriptedAdapter implements BatchAdapter {
  readonly kinds: readonly JobKind[] = ['chat', 'embedding'];
  readonly calls: Array<{ method: AdapterMethod; arg: unknown }> = [];
  /** What `poll` answers. */
  pollResult: PollResult = {
    phase: 'running',
    providerStatus: 'in_progress',
    counts: { total: 0, completed: 0, failed: 0 },
  };
  /** The lines `fetchResults` returns, in order. */
  results: NormalizedResult[] = [];
  /** What `findExisting` finds. */
  existing: ExistingBatch | null = null;
  /** Thrown by `submit` when set. */
  submitError: Error | null = null;
  /** What `submit` says of the batch it made, when set (a provider's create warning). */
  submitWarning: string | null = null;
  private submitted = 0;
  // Provider batch ids are unique per provider in the database: two adapters in one test database must not collide.
  private readonly tag = randomUUID().slice(0, 8);

  constructor(
    readonly provider: Provider = 'openai',
    readonly limits: ProviderLimits = descriptorOf(provider).limits,
  ) {}

  /** The calls of one method, in order. */
  callsTo(method: AdapterMethod): unknown[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.arg);
  }

  encodeLine(customId: string, request: UnifiedRequest, context: BatchContext): string {
    return JSON.stringify({ custom_id: customId, model: context.model, request });
  }

  async findExisting(query: ExistingBatchQuery): Promise<ExistingBatch | null> {
    this.calls.push({ method: 'findExisting', arg: query });
    return this.existing;
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    this.calls.push({ method: 'submit', arg: request });
    if (this.submitError) throw this.submitError;
    this.submitted += 1;
    return {
      providerBatchId: `scripted_batch_${this.tag}_${this.submitted}`,
      inputFileId: `scripted_file_${this.tag}_${this.submitted}`,
      ...(this.submitWarning ? { warning: this.submitWarning } : {}),
    };
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    this.calls.push({ method: 'poll', arg: ref });
    return this.pollResult;
  }

  async *fetchResults(ref: BatchRef, _context: BatchContext): AsyncIterable<NormalizedResult> {
    this.calls.push({ method: 'fetchResults', arg: ref });
    yield* this.results;
  }

  async cancel(ref: BatchRef): Promise<void> {
    this.calls.push({ method: 'cancel', arg: ref });
  }

  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    this.calls.push({ method: 'cleanup', arg: ref });
  }
}
