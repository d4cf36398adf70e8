import { PROVIDERS } from '@tranche/adapters';
import { z } from 'zod';

const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

const params = z.strictObject({
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).optional(),
});

export const inputSchema = z.strictObject({
  id: z.string().min(1).max(256).optional(),
  prompt: z.string().optional(),
  messages: z.array(message).min(1).optional(),
  system: z.string().optional(),
  text: z.string().optional(),
  params: params.optional(),
});

const tagKey = /^[A-Za-z0-9_.-]{1,64}$/;

export const RUN_ID_PATTERN = /^[a-z0-9_-]{1,36}$/;

export const MAX_INPUTS = 1_000_000;

/** Everything about a job but its inputs: validated before the first input is read. */
export const jobHeaderSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  model: z.string().trim().min(1).max(200),
  kind: z.enum(['chat', 'embedding']).default('chat'),
  defaults: z.strictObject({ system: z.string().optional(), params: params.optional() }).optional(),
  output: z
    .strictObject({
      schema: z.record(z.string(), z.unknown()),
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64')
        .optional(),
    })
    .optional(),
  metadata: z.strictObject({
    project: z.string().trim().min(1).max(100),
    owner: z.string().trim().min(1).max(100),
    environment: z.string().trim().min(1).max(50).optional(),
    run_id: z
      .string()
      .regex(RUN_ID_PATTERN, 'lowercase letters, digits, _ and - only, at most 36 characters')
      .optional(),
    tags: z
      .record(
        z.string().regex(tagKey, 'tag names: letters, digits, _ . - only, at most 64'),
        z.string().max(256),
      )
      .optional(),
  }),
  options: z
    .strictObject({
      poll_interval_s: z.number().min(0.05).max(86_400).optional(),
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
        .optional(),
    })
    .optional(),
});

export const jobSpecSchema = jobHeaderSchema.extend({ inputs: z.array(inputSchema).min(1).max(MAX_INPUTS) });

export type JobSpec = z.input<typeof jobSpecSchema>;
export type ParsedJobHeader = z.output<typeof jobHeaderSchema>;
export type ParsedInput = z.output<typeof inputSchema>;
