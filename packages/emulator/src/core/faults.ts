import {
  type DelayFault,
  emptyFaults,
  type FaultConfig,
  faultInputSchema,
  type HttpFault,
} from './fault-schema';

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

  constructor(private readonly defaultSeed: number) {}

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
    if (parsed.request_errors !== undefined) next.request_errors = parsed.request_errors;
    if (parsed.expire !== undefined) next.expire = parsed.expire;
    if (parsed.fail_validation !== undefined) next.fail_validation = parsed.fail_validation;
    if (parsed.invalid_json_rate !== undefined) next.invalid_json_rate = parsed.invalid_json_rate ?? 0;
    if (parsed.slow_factor !== undefined) next.slow_factor = parsed.slow_factor ?? 1;
    if (parsed.cached_fraction !== undefined) next.cached_fraction = parsed.cached_fraction ?? 0;
    if (parsed.cache_write_fraction !== undefined)
      next.cache_write_fraction = parsed.cache_write_fraction ?? 0;
    return this.current();
  }

  replace(input: unknown): FaultConfig {
    faultInputSchema.parse(input);
    this.config = emptyFaults();
    return this.merge(input);
  }

  clear(): void {
    this.config = emptyFaults();
    this.failuresByCustomId.clear();
  }

  seed(): number {
    return this.config.seed ?? this.defaultSeed;
  }

  takeHttp(call: CallDescription): HttpFault | null {
    return this.take(this.config.http, call);
  }

  takeDelay(call: CallDescription): DelayFault | null {
    return this.take(this.config.delay, call);
  }

  /** Consumes one use of `expire` and `fail_validation` when they apply to the provider. */
  forNewBatch(provider: string): BatchFaults {
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
