import 'zod-openapi';
import { z } from 'zod';
import {
  idParamsSchema,
  JOB_STATUSES,
  jobStatusSchema,
  PROJECT_MAX_LENGTH,
  timestampSchema,
  usdSchema,
} from './common';
import { errorResponse } from './errors';
import { jobViewSchema } from './job-answers';
import type { Operation } from './operation';
import { PROVIDERS } from './providers';

const count = z.number().int().nonnegative();

export const JOB_LIST_MAX_LIMIT = 200;
export const JOB_LIST_DEFAULT_LIMIT = 50;
export const FAILURE_EXAMPLES_MAX = 20;
export const FAILURE_EXAMPLES_DEFAULT = 3;

type JobStatus = (typeof JOB_STATUSES)[number];

/** A whole number in a query string, within bounds. */
const boundedInteger = (min: number, max: number, description: string) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .meta({ description })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be a whole number from ${min} to ${max}`)
        .max(max, `must be a whole number from ${min} to ${max}`),
    );

const statusList = z
  .string()
  .meta({
    description: `One status or several separated by commas (any of them): ${JOB_STATUSES.join(', ')}.`,
    example: 'running,completed_with_failures',
  })
  .transform((text, ctx): JobStatus[] => {
    const statuses = text
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const unknown = statuses.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
    if (statuses.length === 0 || unknown.length > 0)
      ctx.addIssue({
        code: 'custom',
        message: `${unknown.length > 0 ? `unknown status ${JSON.stringify(unknown[0])}` : 'no status given'}: one or more of ${JOB_STATUSES.join(', ')}, separated by commas`,
      });
    return [...new Set(statuses)] as JobStatus[];
  });

export const jobListQuerySchema = z.strictObject({
  project: z
    .string()
    .min(1)
    .max(PROJECT_MAX_LENGTH)
    .optional()
    .meta({ description: "Only this project's jobs (a project outside the key's gives an empty list)." }),
  status: statusList.optional(),
  provider: z.enum(PROVIDERS).optional().meta({ description: 'Only jobs of this provider.' }),
  run_id: z.string().min(1).max(256).optional().meta({ description: 'Only jobs of this run.' }),
  limit: boundedInteger(
    1,
    JOB_LIST_MAX_LIMIT,
    `Jobs per page, 1 to ${JOB_LIST_MAX_LIMIT} (${JOB_LIST_DEFAULT_LIMIT} when absent).`,
  ).optional(),
  cursor: z.string().min(1).max(512).optional().meta({
    description: 'The `next_cursor` of the page before, as it was given; the other parameters unchanged.',
  }),
});
export type JobListQuery = z.output<typeof jobListQuerySchema>;

export const jobFailuresQuerySchema = z.strictObject({
  examples: boundedInteger(
    0,
    FAILURE_EXAMPLES_MAX,
    `Examples per reason, 0 to ${FAILURE_EXAMPLES_MAX} (${FAILURE_EXAMPLES_DEFAULT} when absent).`,
  ).optional(),
});
export type JobFailuresQuery = z.output<typeof jobFailuresQuerySchema>;

export const jobSummarySchema = z
  .object({
    job_id: z.uuid(),
    status: jobStatusSchema,
    provider: z.string(),
    model: z.string(),
    kind: z.string(),
    metadata: z.object({ project: z.string(), owner: z.string(), run_id: z.string() }),
    inputs: count.meta({
      description: 'Inputs the caller sent, duplicates included (the reconciliation’s `inputs`).',
    }),
    succeeded: count.meta({
      description:
        'Distinct requests that succeeded (or had succeeded earlier in the run), as in the reconciliation.',
    }),
    failed: count.meta({ description: 'Distinct requests that failed for good, as in the reconciliation.' }),
    pending: count.meta({
      description: 'Distinct requests without a final outcome yet, as in the reconciliation.',
    }),
    cost_usd: usdSchema.meta({
      description: 'What the job’s results cost so far at batch rates (the job’s `cost.cost_usd`).',
    }),
    created_at: timestampSchema,
    finished_at: timestampSchema.nullable(),
    blocked: jobViewSchema.shape.blocked,
  })
  .meta({
    id: 'JobSummary',
    description: 'A job in a list: its progress and cost so far, counted as in the job view.',
  });
export type JobSummary = z.infer<typeof jobSummarySchema>;

export const jobListSchema = z
  .object({
    jobs: z.array(jobSummarySchema).meta({ description: 'Newest first.' }),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass it as `cursor` for the next page; null on the last page.' }),
  })
  .meta({ id: 'JobList', description: "A page of the key's jobs, newest first." });
export type JobList = z.infer<typeof jobListSchema>;

const failureExampleSchema = z.object({
  custom_id: z.string(),
  input_id: z.string().nullable().meta({ description: "The caller's own id for the input, if it gave one." }),
  error: z.string().meta({ description: "The error's message." }),
});

export const jobFailuresSchema = z
  .object({
    job_id: z.uuid(),
    failed: count.meta({
      description: 'Distinct requests that failed for good (the reconciliation’s `failed`).',
    }),
    reasons: z
      .array(
        z.object({
          reason: z.string().meta({
            description: "The error's type, as the reconciliation's `failed_by_reason` names it.",
            example: 'server_error',
          }),
          count,
          examples: z
            .array(failureExampleSchema)
            .meta({ description: 'The first failed inputs, in input order.' }),
        }),
      )
      .meta({ description: 'Most frequent first.' }),
  })
  .meta({ id: 'JobFailures', description: "A job's failed requests grouped by reason, with examples." });
export type JobFailures = z.infer<typeof jobFailuresSchema>;

const TAGS = ['Jobs'];

export const jobPagesOperations: Operation[] = [
  {
    method: 'get',
    path: '/v1/jobs',
    operationId: 'listJobs',
    summary: 'List jobs',
    description:
      "The key's jobs (every project's for an admin), newest first, a page at a time; filters combine. Each " +
      'with its progress and cost so far.',
    tags: TAGS,
    auth: true,
    query: jobListQuerySchema,
    responses: {
      200: { description: 'A page of jobs.', contentType: 'application/json', schema: jobListSchema },
      400: errorResponse('A parameter is refused (or unknown); `parameter` names it.', 'invalid_query'),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/failures',
    operationId: 'getJobFailures',
    summary: "A job's failures by reason",
    description:
      "The job's failed requests grouped by reason, most frequent first, with the first few of each.",
    tags: TAGS,
    auth: true,
    params: idParamsSchema,
    query: jobFailuresQuerySchema,
    responses: {
      200: { description: 'The failures.', contentType: 'application/json', schema: jobFailuresSchema },
      400: errorResponse('A parameter is refused (or unknown); `parameter` names it.', 'invalid_query'),
      404: errorResponse('No such job, or one of a project the key cannot see.', 'not_found'),
    },
  },
];
