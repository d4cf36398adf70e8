import { z } from 'zod';

const provider = z.string().min(1).optional();
const times = z.number().int().min(0).optional();

/** A request matcher: `path` is a prefix, or a regular expression when it starts with `^`. */
const matcher = {
  provider,
  method: z.string().min(1).optional(),
  path: z.string().min(1).refine(isValidPathPattern, 'invalid regular expression').optional(),
};

function isValidPathPattern(path: string): boolean {
  if (!path.startsWith('^')) return true;
  try {
    new RegExp(path);
    return true;
  } catch {
    return false;
  }
}

export const httpFaultSchema = z.strictObject({
  ...matcher,
  status: z.number().int().min(400).max(599),
  times,
  retry_after_ms: z.number().min(0).max(60_000).optional(),
  /** Sets `x-should-retry`, which the OpenAI and Anthropic SDKs obey over the status. */
  should_retry: z.boolean().optional(),
  message: z.string().optional(),
});

export const delayFaultSchema = z.strictObject({
  ...matcher,
  ms: z.number().min(0).max(600_000),
  times,
});

export const requestErrorsSchema = z.strictObject({
  provider,
  rate: z.number().min(0).max(1),
  status: z.number().int().min(400).max(599).default(500),
  /** Omitted: no cap. */
  max_per_custom_id: z.number().int().min(0).optional(),
});

export const expireSchema = z.strictObject({
  provider,
  fraction_completed: z.number().min(0).max(1),
  times,
});

export const failValidationSchema = z.strictObject({ provider, times });

/**
 * Arrays are appended to the current faults, other keys replace theirs, `null` clears a key.
 */
export const faultInputSchema = z.strictObject({
  seed: z.number().int().nullable().optional(),
  http: z.array(httpFaultSchema).nullable().optional(),
  delay: z.array(delayFaultSchema).nullable().optional(),
  request_errors: requestErrorsSchema.nullable().optional(),
  expire: expireSchema.nullable().optional(),
  fail_validation: failValidationSchema.nullable().optional(),
  invalid_json_rate: z.number().min(0).max(1).nullable().optional(),
  slow_factor: z.number().positive().max(1000).nullable().optional(),
  /** Share of prompt tokens reported as `cached_tokens`; 0 when unset. */
  cached_fraction: z.number().min(0).max(1).nullable().optional(),
  /** Anthropic: share of prompt tokens reported as cache writes (`cache_creation_input_tokens`); 0 when unset. */
  cache_write_fraction: z.number().min(0).max(1).nullable().optional(),
});

export type FaultInput = z.input<typeof faultInputSchema>;
export type HttpFault = z.output<typeof httpFaultSchema>;
export type DelayFault = z.output<typeof delayFaultSchema>;
export type RequestErrorsFault = z.output<typeof requestErrorsSchema>;
export type ExpireFault = z.output<typeof expireSchema>;
export type FailValidationFault = z.output<typeof failValidationSchema>;

export interface FaultConfig {
  seed: number | null;
  http: HttpFault[];
  delay: DelayFault[];
  request_errors: RequestErrorsFault | null;
  expire: ExpireFault | null;
  fail_validation: FailValidationFault | null;
  invalid_json_rate: number;
  slow_factor: number;
  cached_fraction: number;
  cache_write_fraction: number;
}

export function emptyFaults(): FaultConfig {
  return {
    seed: null,
    http: [],
    delay: [],
    request_errors: null,
    expire: null,
    fail_validation: null,
    invalid_json_rate: 0,
    slow_factor: 1,
    cached_fraction: 0,
    cache_write_fraction: 0,
  };
}
