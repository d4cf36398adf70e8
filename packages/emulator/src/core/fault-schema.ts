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
  /** Share of matching calls that get the error (seeded draws); omitted, every one. `times` counts only hits. */
  rate: z.number().min(0).max(1).optional(),
});

export const delayFaultSchema = z.strictObject({
  ...matcher,
  ms: z.number().min(0).max(600_000),
  times,
});

/** The call is carried out in full, then the connection is closed instead of answered. */
export const dropResponseFaultSchema = z.strictObject({ ...matcher, times });

/** The answer's headers and first `after_bytes` bytes go out, then nothing more: a download that stalls. */
export const stallBodyFaultSchema = z.strictObject({
  ...matcher,
  after_bytes: z.number().int().min(0).default(0),
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

/** Answers holding a character Postgres cannot store: raw in a text answer, escaped inside a structured one. */
export const nulAnswersSchema = z.strictObject({
  provider,
  rate: z.number().min(0).max(1),
  /** `nul` (U+0000, the default) or `lone_surrogate` (U+D800 without its pair). */
  char: z.enum(['nul', 'lone_surrogate']).default('nul'),
});

export const MALFORMED_SHAPES = [
  'truncated',
  'not_json',
  'not_object',
  'no_custom_id',
  'only_custom_id',
] as const;

/** Result lines written broken, in one of the shapes above (default `truncated`). */
export const malformedLinesSchema = z.strictObject({
  provider,
  rate: z.number().min(0).max(1),
  shape: z.enum(MALFORMED_SHAPES).default('truncated'),
});

/** Result lines followed by one more: a copy under an unknown custom id, or the same line again. */
export const extraLinesSchema = z.strictObject({ provider, rate: z.number().min(0).max(1) });

/**
 * Providers on OpenAI's batch wire only (OpenAI, Azure OpenAI): batches that end `completed` without their output file (`output_file_id: null`) although some of their
 * requests succeeded; the error file stays. Not a documented behaviour: the real API reports a null output file when
 * no request succeeded (which the emulator does without a fault). This stands for a provider that loses track of a
 * file, to prove the worker resends what got no line instead of waiting for it.
 */
export const loseOutputFileSchema = z.strictObject({ provider, times });

/** Result files that end partway through line `at_line` (1-based); the lines after it are lost. */
export const truncateOutputSchema = z.strictObject({ provider, at_line: z.number().int().min(1), times });

/**
 * OpenAI's batch queue limit of an organisation: prompt tokens enqueued per model (`model` omitted: every model, each
 * counted on its own). A batch whose tokens would take the model's enqueued total past `tokens` fails validation with
 * `token_limit_exceeded`, as the real API fails it, instead of waiting.
 */
export const enqueuedTokenLimitSchema = z.strictObject({
  tokens: z.number().int().positive(),
  model: z.string().min(1).optional(),
});

/**
 * Azure OpenAI's enqueued-token quota of a deployment (`deployment` omitted: every deployment, each on its own): a
 * batch over it fails validation with `token_limit_exceeded` in Azure's words ("…the configured limit of 30K for the
 * deployment '…'"), or with `fail_fast` (Azure's fail-fast regions) its create call is refused with a 400.
 */
export const azureEnqueuedTokenLimitSchema = z.strictObject({
  tokens: z.number().int().positive(),
  deployment: z.string().min(1).optional(),
  fail_fast: z.boolean().optional(),
});

/**
 * Arrays are appended to the current faults, other keys replace theirs, `null` clears a key.
 */
export const faultInputSchema = z.strictObject({
  seed: z.number().int().nullable().optional(),
  http: z.array(httpFaultSchema).nullable().optional(),
  delay: z.array(delayFaultSchema).nullable().optional(),
  drop_response: z.array(dropResponseFaultSchema).nullable().optional(),
  stall_body: z.array(stallBodyFaultSchema).nullable().optional(),
  request_errors: requestErrorsSchema.nullable().optional(),
  expire: expireSchema.nullable().optional(),
  fail_validation: failValidationSchema.nullable().optional(),
  invalid_json_rate: z.number().min(0).max(1).nullable().optional(),
  slow_factor: z.number().positive().max(1000).nullable().optional(),
  /** Share of prompt tokens reported as `cached_tokens`; 0 when unset. */
  cached_fraction: z.number().min(0).max(1).nullable().optional(),
  /** Anthropic: share of prompt tokens reported as cache writes (`cache_creation_input_tokens`); 0 when unset. */
  cache_write_fraction: z.number().min(0).max(1).nullable().optional(),
  nul_answers: nulAnswersSchema.nullable().optional(),
  malformed_lines: malformedLinesSchema.nullable().optional(),
  unknown_lines: extraLinesSchema.nullable().optional(),
  duplicate_lines: extraLinesSchema.nullable().optional(),
  truncate_output: truncateOutputSchema.nullable().optional(),
  lose_output_file: loseOutputFileSchema.nullable().optional(),
  openai_enqueued_token_limit: enqueuedTokenLimitSchema.nullable().optional(),
  azure_enqueued_token_limit: azureEnqueuedTokenLimitSchema.nullable().optional(),
  /**
   * Azure's managed identity endpoint: how many seconds the tokens it issues from now on last (App Service's 24 h
   * when unset). 0 issues tokens already expired, which the Azure OpenAI routes refuse.
   */
  azure_token_lifetime_s: z.number().int().min(0).max(86_400).nullable().optional(),
});

export type FaultInput = z.input<typeof faultInputSchema>;
export type HttpFault = z.output<typeof httpFaultSchema>;
export type DelayFault = z.output<typeof delayFaultSchema>;
export type DropResponseFault = z.output<typeof dropResponseFaultSchema>;
export type StallBodyFault = z.output<typeof stallBodyFaultSchema>;
export type RequestErrorsFault = z.output<typeof requestErrorsSchema>;
export type ExpireFault = z.output<typeof expireSchema>;
export type FailValidationFault = z.output<typeof failValidationSchema>;
export type NulAnswersFault = z.output<typeof nulAnswersSchema>;
export type MalformedShape = (typeof MALFORMED_SHAPES)[number];
export type MalformedLinesFault = z.output<typeof malformedLinesSchema>;
export type ExtraLinesFault = z.output<typeof extraLinesSchema>;
export type TruncateOutputFault = z.output<typeof truncateOutputSchema>;
export type LoseOutputFileFault = z.output<typeof loseOutputFileSchema>;
export type EnqueuedTokenLimit = z.output<typeof enqueuedTokenLimitSchema>;
export type AzureEnqueuedTokenLimit = z.output<typeof azureEnqueuedTokenLimitSchema>;

export interface FaultConfig {
  seed: number | null;
  http: HttpFault[];
  delay: DelayFault[];
  drop_response: DropResponseFault[];
  stall_body: StallBodyFault[];
  request_errors: RequestErrorsFault | null;
  expire: ExpireFault | null;
  fail_validation: FailValidationFault | null;
  invalid_json_rate: number;
  slow_factor: number;
  cached_fraction: number;
  cache_write_fraction: number;
  nul_answers: NulAnswersFault | null;
  malformed_lines: MalformedLinesFault | null;
  unknown_lines: ExtraLinesFault | null;
  duplicate_lines: ExtraLinesFault | null;
  truncate_output: TruncateOutputFault | null;
  lose_output_file: LoseOutputFileFault | null;
  openai_enqueued_token_limit: EnqueuedTokenLimit | null;
  azure_enqueued_token_limit: AzureEnqueuedTokenLimit | null;
  azure_token_lifetime_s: number | null;
}

export function emptyFaults(): FaultConfig {
  return {
    seed: null,
    http: [],
    delay: [],
    drop_response: [],
    stall_body: [],
    request_errors: null,
    expire: null,
    fail_validation: null,
    invalid_json_rate: 0,
    slow_factor: 1,
    cached_fraction: 0,
    cache_write_fraction: 0,
    nul_answers: null,
    malformed_lines: null,
    unknown_lines: null,
    duplicate_lines: null,
    truncate_output: null,
    lose_output_file: null,
    openai_enqueued_token_limit: null,
    azure_enqueued_token_limit: null,
    azure_token_lifetime_s: null,
  };
}
