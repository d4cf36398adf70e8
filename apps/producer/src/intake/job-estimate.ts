import { descriptorOf, type Provider, type UnifiedRequest } from '@tranche/adapters';
import {
  decimalToPico,
  loadTokenEstimator,
  type ModelPrice,
  type Pricer,
  picoToDecimal,
  type TokenEstimator,
  type TokenizerName,
} from '@tranche/pricing';

export interface InputEstimate {
  inputTokens: number;
  /** The request's `max_tokens` (its own or the job's default), else the most the model may generate. */
  maxOutputTokens: number;
}

/** Money of one request's worst case, in picodollars. */
interface RequestCost {
  batch: bigint;
  sync: bigint;
  inputBatch: bigint;
}

export interface EstimateTotals {
  tokenizer: TokenizerName;
  /** Distinct requests counted. */
  requests: number;
  inputTokens: number;
  maxOutputTokens: number;
  /** Smallest and largest `max_tokens` of the requests counted; null when none was counted. */
  maxTokensRange: [number, number] | null;
  /** Requests that set no `max_tokens` (the model's limit was assumed). */
  withoutMaxTokens: number;
  defaultMaxOutputTokens: number;
  defaultMaxOutputSource: string;
  priced: boolean;
  priceVersion: string | null;
  /** Decimal strings (12 places) at batch rates; null when the model has no price. */
  inputBatchUsd: string | null;
  worstCaseBatchUsd: string | null;
  worstCaseSyncUsd: string | null;
}

const COST_MEMO_LIMIT = 10_000;

/**
 * A job's worst case, accumulated one distinct request at a time: estimated input tokens priced at batch input
 * rates plus `max_tokens` priced at batch output rates, request by request (a long-context tier applies per
 * request). Memory stays constant whatever the number of inputs.
 */
export class JobEstimate {
  private requests = 0;
  private inputTokens = 0;
  private maxOutputTokens = 0;
  private withoutMaxTokens = 0;
  private readonly maxTokensCounts = new Map<number, number>();
  private batchPico = 0n;
  private syncPico = 0n;
  private inputBatchPico = 0n;
  // Most jobs repeat a handful of (input, output) token pairs: price each pair once.
  private readonly costMemo = new Map<string, RequestCost>();

  private constructor(
    private readonly pricer: Pricer,
    private readonly price: ModelPrice | null,
    private readonly tokens: TokenEstimator,
    /** Prompt tokens every request carries beyond its messages (an output schema). */
    private readonly perRequestTokens: number,
  ) {}

  static async create(
    pricer: Pricer,
    job: { provider: Provider; model: string; kind: 'chat' | 'embedding'; outputSchema?: unknown },
    exact = true,
  ): Promise<JobEstimate> {
    const policy = descriptorOf(job.provider).estimate;
    const tokens = await loadTokenEstimator(policy, job.model, job.kind, exact);
    // A structured-output schema is sent with every request and billed as prompt: counted as text.
    const perRequestTokens =
      job.outputSchema === undefined ? 0 : tokens.inputTokens({ text: JSON.stringify(job.outputSchema) });
    return new JobEstimate(pricer, pricer.lookup(job.provider, job.model), tokens, perRequestTokens);
  }

  get tokenizer(): TokenizerName {
    return this.tokens.tokenizer;
  }

  get priced(): boolean {
    return this.price !== null;
  }

  /** One request's tokens, without counting it. */
  estimate(request: UnifiedRequest): InputEstimate {
    return {
      inputTokens: this.tokens.inputTokens(request) + this.perRequestTokens,
      maxOutputTokens: request.params?.max_tokens ?? this.tokens.defaultMaxOutputTokens,
    };
  }

  /** Counts a distinct request that will be sent. */
  add(request: UnifiedRequest): InputEstimate {
    const estimate = this.estimate(request);
    this.count(estimate, request.params?.max_tokens === undefined, 1);
    return estimate;
  }

  /** Takes back a request counted earlier that will not be sent after all (a replay found it done). */
  remove(request: UnifiedRequest): void {
    this.count(this.estimate(request), request.params?.max_tokens === undefined, -1);
  }

  /** Counts an estimate made earlier with `estimate`. */
  addEstimate(estimate: InputEstimate, withoutMaxTokens: boolean): void {
    this.count(estimate, withoutMaxTokens, 1);
  }

  private count(estimate: InputEstimate, withoutMaxTokens: boolean, sign: 1 | -1) {
    this.requests += sign;
    this.inputTokens += sign * estimate.inputTokens;
    this.maxOutputTokens += sign * estimate.maxOutputTokens;
    if (withoutMaxTokens) this.withoutMaxTokens += sign;
    const n = (this.maxTokensCounts.get(estimate.maxOutputTokens) ?? 0) + sign;
    if (n === 0) this.maxTokensCounts.delete(estimate.maxOutputTokens);
    else this.maxTokensCounts.set(estimate.maxOutputTokens, n);
    const cost = this.cost(estimate);
    if (!cost) return;
    const factor = BigInt(sign);
    this.batchPico += factor * cost.batch;
    this.syncPico += factor * cost.sync;
    this.inputBatchPico += factor * cost.inputBatch;
  }

  private cost({ inputTokens, maxOutputTokens }: InputEstimate): RequestCost | null {
    if (!this.price) return null;
    const key = `${inputTokens}:${maxOutputTokens}`;
    let cost = this.costMemo.get(key);
    if (!cost) {
      const worst = this.pricer.priceWith(this.price, {
        inputTokens,
        outputTokens: maxOutputTokens,
        cachedTokens: 0,
        cacheWriteTokens: 0,
      });
      const inputOnly = this.pricer.priceWith(this.price, { ...ZERO, inputTokens });
      cost = {
        batch: decimalToPico(worst.costUsd),
        sync: decimalToPico(worst.syncCostUsd),
        inputBatch: decimalToPico(inputOnly.costUsd),
      };
      if (this.costMemo.size >= COST_MEMO_LIMIT) this.costMemo.clear();
      this.costMemo.set(key, cost);
    }
    return cost;
  }

  /** The worst case at batch rates (decimal string), or null for a model without a price. */
  worstCaseUsd(): string | null {
    return this.price ? picoToDecimal(this.batchPico) : null;
  }

  totals(): EstimateTotals {
    let range: [number, number] | null = null;
    for (const size of this.maxTokensCounts.keys()) {
      range = range ? [Math.min(range[0], size), Math.max(range[1], size)] : [size, size];
    }
    const money = (pico: bigint) => (this.price ? picoToDecimal(pico) : null);
    return {
      tokenizer: this.tokens.tokenizer,
      requests: this.requests,
      inputTokens: this.inputTokens,
      maxOutputTokens: this.maxOutputTokens,
      maxTokensRange: range,
      withoutMaxTokens: this.withoutMaxTokens,
      defaultMaxOutputTokens: this.tokens.defaultMaxOutputTokens,
      defaultMaxOutputSource: this.tokens.defaultMaxOutputSource,
      priced: this.price !== null,
      priceVersion: this.price ? this.pricer.version : null,
      inputBatchUsd: money(this.inputBatchPico),
      worstCaseBatchUsd: money(this.batchPico),
      worstCaseSyncUsd: money(this.syncPico),
    };
  }
}

const ZERO = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0 };
