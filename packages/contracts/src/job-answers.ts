import 'zod-openapi';
import { z } from 'zod';
import { jobStatusSchema, timestampSchema, usdSchema } from './common';
import { budgetStatusSchema } from './errors';
import { CHAT_APIS } from './job-schema';

const count = z.number().int().nonnegative();

export const submitResponseSchema = z
  .object({
    job_id: z.uuid(),
    status: z.enum(['queued', 'completed']).meta({
      description: 'completed when nothing was left to send (every request already succeeded in the run).',
    }),
    run_id: z.string(),
    inputs: count.meta({ description: 'Inputs the caller sent.' }),
    duplicates: count.meta({
      description: 'Inputs that repeated an earlier input of the same job, collapsed onto it.',
    }),
    skipped_done: count.meta({
      description:
        'Distinct requests that already succeeded in an earlier job of the same run: not sent again.',
    }),
    awaiting: count.meta({
      description: 'Distinct requests in flight in an earlier job of the same run: they take its result.',
    }),
    to_send: count.meta({ description: 'Distinct requests that will be sent.' }),
  })
  .meta({ id: 'SubmitResponse', description: 'The job was taken in (or, replayed, had been).' });
export type SubmitResponse = z.infer<typeof submitResponseSchema>;

export const TOKENIZERS = ['o200k_base', 'cl100k_base', 'approximation'] as const;

const dryRunInputSchema = z.strictObject({
  index: count.meta({ description: 'Position of the input in the job.' }),
  id: z.string().nullable().meta({ description: "The caller's id, when given." }),
  input_tokens: count,
  max_output_tokens: count,
});
export type DryRunInput = z.infer<typeof dryRunInputSchema>;

export const dryRunResponseSchema = z
  .object({
    dry_run: z.literal(true),
    provider: z.string(),
    model: z.string(),
    inputs: count.meta({ description: 'Inputs the caller sent.' }),
    distinct_inputs: count.meta({ description: 'Distinct requests (duplicates collapse onto their first).' }),
    duplicates: count,
    skipped_done: count.meta({
      description: 'Distinct requests that already succeeded in an earlier job of the same run: not sent.',
    }),
    to_send: count.meta({
      description: 'Distinct requests a submit would send: what the figures below cover.',
    }),
    tokenizer: z.enum(TOKENIZERS),
    tokens: z.strictObject({ input: count, max_output: count }),
    max_output_default: z
      .object({ tokens: count, source: z.string(), inputs_without_max_tokens: count })
      .meta({ description: 'What a request without `max_tokens` is assumed to generate at most.' }),
    per_input: z
      .array(dryRunInputSchema)
      .meta({ description: 'One line per request to send, in input order, the first 10,000 only.' }),
    per_input_truncated: z.boolean(),
    cost: z.strictObject({
      priced: z.boolean(),
      price_version: z.string().nullable(),
      input_batch_usd: z.string().nullable().meta({ description: 'The input tokens alone, at batch rates.' }),
      worst_case_batch_usd: z.string().nullable().meta({
        description:
          "Input tokens plus every request's max_tokens of output at batch rates: what the budget counts.",
      }),
      worst_case_sync_usd: z.string().nullable(),
      worst_case_savings_usd: z.string().nullable(),
    }),
    chunks: z
      .array(z.strictObject({ requests: count, bytes: count }))
      .meta({ description: 'The provider batches a submit would make.' }),
    chunk_limits: z.strictObject({ max_requests: count, max_bytes: count }),
    budget: budgetStatusSchema.extend({ fits: z.boolean(), refusal: z.string().nullable() }).nullable().meta({
      description: "The project's budget this month and whether the job fits; null without a budget.",
    }),
  })
  .meta({
    id: 'DryRunResponse',
    description: 'What a submit of this job would do and cost; nothing was written or queued.',
  });
export type DryRunResponse = z.infer<typeof dryRunResponseSchema>;

export const batchViewSchema = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    provider_batch_id: z.string().nullable(),
    chunk_key: z.string(),
    round: count.meta({
      description: '0 for the first submission; each retry of failed requests is a round.',
    }),
    state: z.enum(['planned', 'submitted', 'ended', 'fetched']),
    waiting_for_quota_since: timestampSchema.nullable().meta({
      description:
        "Set while the planned batch waits for room in its provider's quota (PROVIDER_QUOTAS, or the provider " +
        'refused it for its batch queue being full): it goes out as earlier batches end.',
    }),
    estimated_input_tokens: count.meta({
      description:
        "The batch's estimated input tokens: what it takes of a token quota while at the provider.",
    }),
    provider_status: z.string().nullable(),
    outcome: z.string().nullable(),
    requests: count,
    bytes: count,
    counts: z.strictObject({ total: count, completed: count, failed: count }).nullable(),
    created_at: timestampSchema,
    submitted_at: timestampSchema.nullable(),
    ended_at: timestampSchema.nullable(),
    fetched_at: timestampSchema.nullable(),
  })
  .meta({ id: 'BatchView', description: 'One provider batch of the job.' });
export type BatchView = z.infer<typeof batchViewSchema>;

export const reconciliationSchema = z
  .object({
    submitted: count.meta({
      description: 'Distinct requests: submitted = succeeded + failed + pending, always.',
    }),
    succeeded: count,
    failed: count,
    pending: count,
    failed_by_reason: z.record(z.string(), count),
    skipped_done: count,
    duplicates: count,
    inputs: count,
    retried: count,
  })
  .meta({ id: 'Reconciliation', description: "Where every one of the job's requests stands." });

export const jobUsageSchema = z
  .object({ input_tokens: count, output_tokens: count, cached_tokens: count, cache_write_tokens: count })
  .meta({ id: 'JobUsage', description: "Tokens of the job's results, over every attempt." });

export const jobCostSchema = z
  .object({
    cost_usd: usdSchema,
    sync_cost_usd: usdSchema,
    savings_usd: usdSchema,
    unpriced_results: count.meta({ description: 'Results of a model with no price: not in the sums above.' }),
    price_versions: z.array(z.string()),
  })
  .meta({
    id: 'JobCost',
    description: "The job's cost so far, at batch rates, and what the sync APIs would have cost.",
  });

export const jobViewSchema = z
  .object({
    job_id: z.uuid(),
    status: jobStatusSchema,
    error: z
      .string()
      .nullable()
      .meta({ description: "Why a provider refused the job's requests for good (the first such reason)." }),
    blocked: z
      .object({ reason: z.string(), since: timestampSchema })
      .nullable()
      .meta({
        description:
          'What keeps the job from moving now (a provider answering 503, a refused key, no worker with the ' +
          "provider's key...), and since when; null when nothing does, and once the job finished.",
      }),
    provider: z.string(),
    model: z.string(),
    kind: z.string(),
    metadata: z.strictObject({
      project: z.string(),
      owner: z.string(),
      environment: z.string().nullable(),
      run_id: z.string(),
      tags: z.record(z.string(), z.string()),
    }),
    options: z.strictObject({
      max_attempts: count,
      poll_interval_s: z.number(),
      timeout_at: timestampSchema,
      chat_api: z.enum(CHAT_APIS).nullable().meta({
        description:
          "The chat API the job's `options.chat_api` chose; null: the provider's own (the default).",
      }),
    }),
    submitted_by: z
      .object({ key_id: z.string(), name: z.string() })
      .nullable()
      .meta({ description: 'The key that submitted the job, as it was named then.' }),
    created_at: timestampSchema,
    finished_at: timestampSchema.nullable(),
    reconciliation: reconciliationSchema,
    usage: jobUsageSchema,
    cost: jobCostSchema,
    batches: z.array(batchViewSchema),
    waiting_for_quota: count.meta({
      description: "Planned batches of the job held back until their provider's quota has room.",
    }),
  })
  .meta({
    id: 'JobView',
    description: 'A job: its status, reconciliation, usage, cost and provider batches.',
  });
export type JobView = z.infer<typeof jobViewSchema>;

export const storedErrorSchema = z
  .object({ type: z.string(), code: z.string().nullable(), message: z.string(), retryable: z.boolean() })
  .meta({ id: 'ResultError', description: 'Why a request failed for good.' });

export const jobResultSchema = z
  .object({
    custom_id: z
      .string()
      .meta({ description: "Tranche's id of the request (the same for identical inputs)." }),
    id: z.string().nullable().meta({ description: "The caller's own id for this input, if it gave one." }),
    status: z.enum(['succeeded', 'failed', 'pending']),
    output: z.unknown().meta({
      description:
        'The answer when succeeded (the structured output, the text, or the embedding); else null.',
    }),
    usage: jobUsageSchema.nullable(),
    cost_usd: z.string().nullable().meta({
      description: 'At batch rates over every attempt; null while pending, or when the model has no price.',
    }),
    sync_cost_usd: z.string().nullable(),
    price_version: z.string().nullable(),
    error: storedErrorSchema.nullable(),
  })
  .meta({
    id: 'JobResult',
    description: 'One line of the results: one per input sent, in input order, duplicates included.',
  });
export type JobResult = z.infer<typeof jobResultSchema>;
