import { PROVIDERS } from '@tranche/adapters';
import { z } from 'zod';
import { refuseUnsafeText, safeString } from './safe-text';
import { outputSchemaProblem } from './schema-bounds';

// Every free text (inputs, defaults, metadata, tags) is a safeString: a NUL or a lone surrogate is refused by name.
const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: safeString(),
});

const params = z.strictObject({
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  stop: z.union([safeString().min(1), z.array(safeString().min(1)).max(4)]).optional(),
});

export const inputSchema = z.strictObject({
  id: safeString().min(1).max(256).optional(),
  prompt: safeString().optional(),
  messages: z.array(message).min(1).optional(),
  system: safeString().optional(),
  text: safeString().optional(),
  params: params.optional(),
});

const tagKey = /^[A-Za-z0-9_.-]{1,64}$/;

export const RUN_ID_PATTERN = /^[a-z0-9_-]{1,36}$/;

/** The default of MAX_INPUTS: inputs per job. */
export const MAX_INPUTS = 1_000_000;

export const MAX_TAGS = 32;

/** Everything about a job but its inputs: validated before the first input is read. */
export const jobHeaderSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  model: safeString().trim().min(1).max(200),
  kind: z.enum(['chat', 'embedding']).default('chat'),
  defaults: z.strictObject({ system: safeString().optional(), params: params.optional() }).optional(),
  output: z
    .strictObject({
      // Bounded before anything reads it: at most 64 KB as JSON and 32 levels deep.
      schema: z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
        const problem = outputSchemaProblem(schema);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64')
        .optional(),
    })
    .optional(),
  metadata: z.strictObject({
    project: safeString().trim().min(1).max(100),
    owner: safeString().trim().min(1).max(100),
    environment: safeString().trim().min(1).max(50).optional(),
    run_id: z
      .string()
      .regex(RUN_ID_PATTERN, 'lowercase letters, digits, _ and - only, at most 36 characters')
      .optional(),
    tags: z
      .record(
        z.string().regex(tagKey, 'tag names: letters, digits, _ . - only, at most 64'),
        safeString().max(256),
      )
      .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`)
      .optional(),
  }),
  options: z
    .strictObject({
      /** At least MIN_POLL_INTERVAL_S (checked with the job's other rules: the floor is the operator's). */
      poll_interval_s: z.number().positive().max(86_400).optional(),
      timeout_h: z
        .number()
        .gt(0)
        .max(24 * 7)
        .optional(),
      max_attempts: z.number().int().min(1).max(10).optional(),
      /** POSTed a signed `job.finished` body when the job reaches a terminal status. */
      webhook_url: z
        .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
        .max(2048)
        .superRefine(refuseUnsafeText)
        .optional(),
    })
    .optional(),
});

export const jobSpecSchema = jobHeaderSchema.extend({ inputs: z.array(inputSchema).min(1).max(MAX_INPUTS) });

export type JobSpec = z.input<typeof jobSpecSchema>;
export type ParsedJobHeader = z.output<typeof jobHeaderSchema>;
export type ParsedInput = z.output<typeof inputSchema>;
