import 'zod-openapi';
import { z } from 'zod';
import { PROVIDERS } from './providers';
import { refuseUnsafeText, safeString } from './safe-text';
import { outputSchemaProblem } from './schema-bounds';

// Every free text (inputs, defaults, metadata, tags) is a safeString: a NUL or a lone surrogate is refused by name.
const message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: safeString(),
});

/** The largest `params.dimensions`: no provider's model gives more than 3,072 today. */
export const MAX_EMBEDDING_DIMENSIONS = 4096;

const params = z.strictObject({
  max_tokens: z.number().int().min(1).max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  stop: z.union([safeString().min(1), z.array(safeString().min(1)).max(4)]).optional(),
  dimensions: z
    .number()
    .int()
    .min(1)
    .max(MAX_EMBEDDING_DIMENSIONS)
    .optional()
    .meta({
      description:
        "Embedding jobs only: the size of the vectors, when the model can give fewer than its own (sent as OpenAI's " +
        "`dimensions`, Mistral's `output_dimension`, Vertex's `outputDimensionality`). Vertex takes one size per " +
        'batch: set it in `defaults.params`.',
    }),
});

export const inputSchema = z
  .strictObject({
    id: safeString()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: 'Your id for this input: results carry it back as `id`.' }),
    prompt: safeString().optional().meta({ description: 'A chat input as one user message.' }),
    messages: z.array(message).min(1).optional().meta({ description: 'A chat input as a conversation.' }),
    system: safeString().optional().meta({ description: 'Overrides `defaults.system` for this input.' }),
    text: safeString().optional().meta({ description: 'An embedding input.' }),
    params: params.optional().meta({ description: 'Overrides `defaults.params` for this input.' }),
  })
  .meta({
    id: 'JobInput',
    description:
      'One input: `prompt` or `messages` for a chat job, `text` for an embedding job. Identical inputs of a job ' +
      'are sent once (duplicates).',
  });

/**
 * The APIs a chat job's requests may go through, where its provider offers more than one (`options.chat_api`):
 * OpenAI's Chat Completions (the default) or its Responses API.
 */
export const CHAT_APIS = ['chat_completions', 'responses'] as const;
export type ChatApi = (typeof CHAT_APIS)[number];
/** The chat API of a job that names none. */
export const DEFAULT_CHAT_API: ChatApi = 'chat_completions';

const tagKey = /^[A-Za-z0-9_.-]{1,64}$/;

export const RUN_ID_PATTERN = /^[a-z0-9_-]{1,36}$/;

/** The default of MAX_INPUTS: inputs per job. */
export const MAX_INPUTS = 1_000_000;

export const MAX_TAGS = 32;

/** Everything about a job but its inputs: validated before the first input is read. */
const jobHeaderShape = {
  provider: z.enum(PROVIDERS).meta({ description: 'Whose batch API runs the job.' }),
  model: safeString()
    .trim()
    .min(1)
    .max(200)
    .meta({ description: "The provider's model name, e.g. gpt-4o-mini.", example: 'gpt-4o-mini' }),
  kind: z.enum(['chat', 'embedding']).default('chat').meta({ description: 'chat (default) or embedding.' }),
  defaults: z
    .strictObject({ system: safeString().optional(), params: params.optional() })
    .optional()
    .meta({ description: 'The system prompt and params every input takes unless it sets its own.' }),
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
    .optional()
    .meta({
      description:
        'Structured output: every answer must follow this JSON Schema (at most 64 KB as JSON, 32 levels deep).',
    }),
  metadata: z
    .strictObject({
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
    })
    .meta({
      description:
        'Who the job is for: `project` (a key may only submit into its projects; budgets and costs count per ' +
        'project), `owner`, optional `environment` and `tags`. `run_id` names a run: submitting again with the same ' +
        'run_id sends only what has not succeeded yet (a replay).',
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
      chat_api: z
        .enum(CHAT_APIS)
        .optional()
        .meta({
          description:
            'Chat jobs on a provider that offers more than one chat API (OpenAI): `chat_completions` (the default) ' +
            'or `responses` (requests go to `/v1/responses`; `stop` is not taken there). Any other provider ' +
            'refuses the option.',
        }),
    })
    .optional()
    .meta({
      description:
        'poll_interval_s (at least MIN_POLL_INTERVAL_S), timeout_h, max_attempts per input, webhook_url: ' +
        'POSTed a signed `job.finished` event when the job ends (the project needs a webhook secret first), and ' +
        'chat_api: the provider API a chat job runs through, where it offers a choice.',
    }),
};

export const jobHeaderSchema = z.strictObject(jobHeaderShape).meta({
  id: 'JobHeader',
  description:
    'A job without its inputs: the first line of an NDJSON job body. The provider and model, the defaults every ' +
    'input takes, an optional structured output schema, the metadata costs are grouped by, and options.',
});

const inputsSchema = z
  .array(inputSchema)
  .min(1)
  .max(MAX_INPUTS)
  .meta({
    description: `At least one input, at most MAX_INPUTS (default ${MAX_INPUTS.toLocaleString('en-US')}).`,
  });

export const jobSpecSchema = z.strictObject({ ...jobHeaderShape, inputs: inputsSchema }).meta({
  id: 'JobSubmission',
  description: 'A whole job as one JSON document: the JobHeader fields and `inputs`.',
});

export type JobSpec = z.input<typeof jobSpecSchema>;
export type ParsedJobHeader = z.output<typeof jobHeaderSchema>;
export type ParsedInput = z.output<typeof inputSchema>;
