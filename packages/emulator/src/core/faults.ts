import type { NulAnswers } from './answer-poison';
import {
  type AzureEnqueuedTokenLimit,
  type DelayFault,
  type DropResponseFault,
  type EnqueuedTokenLimit,
  emptyFaults,
  type FaultConfig,
  faultInputSchema,
  type HttpFault,
  type StallBodyFault,
} from './fault-schema';
import { createRng, type Rng, seedFrom } from './prng';
import type { LineFaults } from './result-line-faults';

export interface CallDescription {
  provider: string;
  method: string;
  /** The call's path in the forms a fault may name it, e.g. `/batches` and `/v1/batches`. */
  paths: string[];
}

/** Faults that shape a batch, fixed when the batch is created. */
export interface BatchFaults {
  seed: number;
  slowFactor: number;
  expireFraction: number | null;
  failValidation: boolean;
  requestErrors: { rate: number; status: number; maxPerCustomId: number } | null;
  invalidJsonRate: number;
  cachedFraction: number;
  /** `cache_write_fraction`: the share of a prompt written to a cache (Claude's cache writes). */
  cacheWriteFraction: number;
  /** `nul_answers` for this provider, or null. */
  nulAnswers: NulAnswers | null;
  /** `malformed_lines`, `unknown_lines`, `duplicate_lines` and `truncate_output` for this provider. */
  lines: LineFaults;
  /** `lose_output_file`: the batch ends without its output file. */
  loseOutputFile: boolean;
}

interface Matchable {
  provider?: string | undefined;
  method?: string | undefined;
  path?: string | undefined;
  times?: number | undefined;
}

export class FaultRegistry {
  private config: FaultConfig = emptyFaults();
  private readonly failuresByCustomId = new Map<string, number>();
  private readonly patterns = new Map<string, RegExp>();
  private httpDraws: Rng;

  constructor(private readonly defaultSeed: number) {
    this.httpDraws = createRng(seedFrom(defaultSeed, 'http-faults'));
  }

  current(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Throws a ZodError on a malformed body. */
  merge(input: unknown): FaultConfig {
    const parsed = faultInputSchema.parse(input);
    const next = this.config;
    if (parsed.seed !== undefined) next.seed = parsed.seed;
    if (parsed.http !== undefined) next.http = parsed.http === null ? [] : [...next.http, ...parsed.http];
    if (parsed.delay !== undefined)
      next.delay = parsed.delay === null ? [] : [...next.delay, ...parsed.delay];
    if (parsed.drop_response !== undefined)
      next.drop_response =
        parsed.drop_response === null ? [] : [...next.drop_response, ...parsed.drop_response];
    if (parsed.stall_body !== undefined)
      next.stall_body = parsed.stall_body === null ? [] : [...next.stall_body, ...parsed.stall_body];
    if (parsed.request_errors !== undefined) next.request_errors = parsed.request_errors;
    if (parsed.expire !== undefined) next.expire = parsed.expire;
    if (parsed.fail_validation !== undefined) next.fail_validation = parsed.fail_validation;
    if (parsed.invalid_json_rate !== undefined) next.invalid_json_rate = parsed.invalid_json_rate ?? 0;
    if (parsed.slow_factor !== undefined) next.slow_factor = parsed.slow_factor ?? 1;
    if (parsed.cached_fraction !== undefined) next.cached_fraction = parsed.cached_fraction ?? 0;
    if (parsed.cache_write_fraction !== undefined)
      next.cache_write_fraction = parsed.cache_write_fraction ?? 0;
    if (parsed.nul_answers !== undefined) next.nul_answers = parsed.nul_answers;
    if (parsed.malformed_lines !== undefined) next.malformed_lines = parsed.malformed_lines;
    if (parsed.unknown_lines !== undefined) next.unknown_lines = parsed.unknown_lines;
    if (parsed.duplicate_lines !== undefined) next.duplicate_lines = parsed.duplicate_lines;
    if (parsed.truncate_output !== undefined) next.truncate_output = parsed.truncate_output;
    if (parsed.lose_output_file !== undefined) next.lose_output_file = parsed.lose_output_file;
    if (parsed.openai_enqueued_token_limit !== undefined)
      next.openai_enqueued_token_limit = parsed.openai_enqueued_token_limit;
    if (parsed.azure_enqueued_token_limit !== undefined)
      next.azure_enqueued_token_limit = parsed.azure_enqueued_token_limit;
    if (parsed.azure_token_lifetime_s !== undefined)
      next.azure_token_lifetime_s = parsed.azure_token_lifetime_s;
    return this.current();
  }

  replace(input: unknown): FaultConfig {
    faultInputSchema.parse(input);
    this.config = emptyFaults();
    return this.merge(input);
  }

  clear(): void {
    this.config = emptyFaults();
    this.httpDraws = createRng(seedFrom(this.defaultSeed, 'http-faults'));
    this.failuresByCustomId.clear();
  }

  seed(): number {
    return this.config.seed ?? this.defaultSeed;
  }

  /** OpenAI's enqueued-token limit of the emulated organisation, if one is set. */
  enqueuedTokenLimit(): EnqueuedTokenLimit | null {
    return this.config.openai_enqueued_token_limit;
  }

  /** Azure OpenAI's enqueued-token quota of the emulated deployments, if one is set. */
  azureEnqueuedTokenLimit(): AzureEnqueuedTokenLimit | null {
    return this.config.azure_enqueued_token_limit;
  }

  /** The lifetime of the tokens Azure's managed identity endpoint issues, if one is set. */
  azureTokenLifetimeS(): number | null {
    return this.config.azure_token_lifetime_s;
  }

  takeHttp(call: CallDescription): HttpFault | null {
    // A fault with a rate fires on that share of its matching calls; a miss leaves its `times` untouched.
    const candidate = this.config.http.find((fault) => this.matches(fault, call) && (fault.times ?? 1) > 0);
    if (candidate?.rate !== undefined && this.httpDraws.next() >= candidate.rate) return null;
    return this.take(this.config.http, call);
  }

  takeDelay(call: CallDescription): DelayFault | null {
    return this.take(this.config.delay, call);
  }

  takeDropResponse(call: CallDescription): DropResponseFault | null {
    return this.take(this.config.drop_response, call);
  }

  takeStallBody(call: CallDescription): StallBodyFault | null {
    return this.take(this.config.stall_body, call);
  }

  /**
   * Consumes one use of `expire`, `fail_validation` and `truncate_output` when they apply to the provider, and of
   * `lose_output_file` when it speaks OpenAI's batch wire (no other provider's batch may use up its `times`).
   */
  forNewBatch(provider: string, wire: { openAIWire?: boolean } = {}): BatchFaults {
    const { expire, fail_validation, request_errors } = this.config;
    const expireFraction = this.consume(expire, provider) ? expire!.fraction_completed : null;
    const failValidation = this.consume(fail_validation, provider);
    const errors = request_errors && appliesTo(request_errors.provider, provider) ? request_errors : null;
    return {
      seed: this.seed(),
      slowFactor: this.config.slow_factor,
      expireFraction,
      failValidation,
      requestErrors: errors && {
        rate: errors.rate,
        status: errors.status,
        maxPerCustomId: errors.max_per_custom_id ?? Number.POSITIVE_INFINITY,
      },
      invalidJsonRate: this.config.invalid_json_rate,
      cachedFraction: this.config.cached_fraction,
      cacheWriteFraction: this.config.cache_write_fraction,
      nulAnswers: this.nulAnswersFor(provider),
      lines: this.lineFaultsFor(provider),
      loseOutputFile: (wire.openAIWire ?? false) && this.consume(this.config.lose_output_file, provider),
    };
  }

  /** `nul_answers` as it applies to `provider` now (Anthropic runs requests before the batch exists). */
  nulAnswersFor(provider: string): NulAnswers | null {
    const fault = this.config.nul_answers;
    if (!fault || !appliesTo(fault.provider, provider)) return null;
    return { rate: fault.rate, char: fault.char, seed: this.seed() };
  }

  /** The result-line faults of a new batch; consumes one use of `truncate_output`. */
  private lineFaultsFor(provider: string): LineFaults {
    const { malformed_lines, unknown_lines, duplicate_lines, truncate_output } = this.config;
    const mine = <T extends { provider?: string | undefined }>(fault: T | null) =>
      fault && appliesTo(fault.provider, provider) ? fault : null;
    const malformed = mine(malformed_lines);
    return {
      malformed: malformed && { rate: malformed.rate, shape: malformed.shape },
      unknownRate: mine(unknown_lines)?.rate ?? 0,
      duplicateRate: mine(duplicate_lines)?.rate ?? 0,
      truncateAt: this.consume(truncate_output, provider) ? truncate_output!.at_line : null,
    };
  }

  /** Counts an injected failure against `customId` unless it has had its share, across all batches. */
  allowRequestFailure(provider: string, customId: string, maxPerCustomId: number): boolean {
    const key = `${provider}\u0000${customId}`;
    const used = this.failuresByCustomId.get(key) ?? 0;
    if (used >= maxPerCustomId) return false;
    this.failuresByCustomId.set(key, used + 1);
    return true;
  }

  private consume(
    fault: { provider?: string | undefined; times?: number | undefined } | null,
    provider: string,
  ) {
    if (!fault || !appliesTo(fault.provider, provider)) return false;
    if (fault.times === undefined) return true;
    if (fault.times <= 0) return false;
    fault.times -= 1;
    return true;
  }

  private take<T extends Matchable>(list: T[], call: CallDescription): T | null {
    const index = list.findIndex((fault) => this.matches(fault, call) && (fault.times ?? 1) > 0);
    if (index === -1) return null;
    const fault = list[index]!;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) list.splice(index, 1);
    }
    return { ...fault };
  }

  private matches(fault: Matchable, call: CallDescription): boolean {
    if (!appliesTo(fault.provider, call.provider)) return false;
    if (fault.method && fault.method.toUpperCase() !== call.method.toUpperCase()) return false;
    const path = fault.path;
    if (!path) return true;
    if (path.startsWith('^')) {
      const pattern = this.pattern(path);
      return call.paths.some((candidate) => pattern.test(candidate));
    }
    return call.paths.some((candidate) => candidate.startsWith(path));
  }

  private pattern(source: string): RegExp {
    let pattern = this.patterns.get(source);
    if (!pattern) {
      pattern = new RegExp(source);
      this.patterns.set(source, pattern);
    }
    return pattern;
  }
}

function appliesTo(faultProvider: string | undefined, provider: string): boolean {
  return faultProvider === undefined || faultProvider === provider;
}
