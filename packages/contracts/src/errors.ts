import 'zod-openapi';
import { z } from 'zod';
import type { OperationResponse } from './operation';

/** One refused field of a request: `inputs[12].messages`, `metadata.project`, `monthly_usd`, `Idempotency-Key`. */
export const problemSchema = z
  .object({
    field: z.string().meta({ description: 'Where: a path into the body, a query parameter or a header.' }),
    message: z.string(),
  })
  .meta({ id: 'Problem' });

const budgetStatusSchema = z
  .object({
    project: z.string(),
    monthly_usd: z.string(),
    month: z.string().meta({ description: 'The calendar month (UTC), YYYY-MM.', example: '2026-05' }),
    spent_usd: z.string().meta({ description: 'What results created this month cost.' }),
    reserved_usd: z
      .string()
      .meta({ description: 'What jobs still running may cost on top of what their results already cost.' }),
    committed_usd: z.string().meta({ description: 'spent + reserved.' }),
    remaining_usd: z.string().meta({ description: 'budget - committed, never below 0.' }),
  })
  .meta({
    id: 'BudgetStatus',
    description:
      'Where a project stands against its monthly budget this month (UTC); money as decimal strings.',
  });

export { budgetStatusSchema };

export const budgetRefusalSchema = z
  .object({
    reason: z.enum(['over_budget', 'unpriced_model']),
    project: z.string(),
    provider: z.string(),
    model: z.string(),
    budget: budgetStatusSchema,
    job: z.strictObject({
      requests: z.number().int(),
      input_tokens: z.number().int(),
      max_output_tokens: z.number().int(),
      worst_case_batch_usd: z.string().nullable(),
      price_version: z.string().nullable(),
    }),
  })
  .meta({
    id: 'BudgetRefusal',
    description:
      'Why a job does not fit its project’s budget: the budget this month and the job’s worst case.',
  });

const message = z.string().meta({ description: 'What went wrong, for a person to read.' });

/** Each error `type`, with the fields it carries besides `message`. */
const ERROR_BODIES = {
  invalid_job: z
    .object({ type: z.literal('invalid_job'), message, problems: z.array(problemSchema) })
    .meta({ id: 'InvalidJobError', description: 'The job was refused: every problem, header and inputs.' }),
  invalid_request: z
    .object({ type: z.literal('invalid_request'), message, problems: z.array(problemSchema) })
    .meta({
      id: 'InvalidRequestError',
      description: 'A parameter, header or body other than a job was refused.',
    }),
  invalid_query: z
    .object({ type: z.literal('invalid_query'), message, parameter: z.string() })
    .meta({ id: 'InvalidQueryError', description: 'A query parameter was refused; `parameter` names it.' }),
  invalid_json: z
    .object({ type: z.literal('invalid_json'), message })
    .meta({ id: 'InvalidJsonError', description: 'The body is not valid JSON.' }),
  unauthorized: z
    .object({ type: z.literal('unauthorized'), message })
    .meta({ id: 'UnauthorizedError', description: 'No key, or an unknown or revoked one.' }),
  budget_exceeded: z
    .object({ type: z.literal('budget_exceeded'), message, details: budgetRefusalSchema })
    .meta({
      id: 'BudgetExceededError',
      description: 'The job could take its project past its monthly budget.',
    }),
  forbidden: z.object({ type: z.literal('forbidden'), message, field: z.string().optional() }).meta({
    id: 'ForbiddenError',
    description: 'The key may not do this; `field` names what asked for too much (e.g. `metadata.project`).',
  }),
  not_found: z.strictObject({ type: z.literal('not_found'), message }).meta({
    id: 'NotFoundError',
    description: 'No such thing, or one of a project the key cannot see (the two are answered alike).',
  }),
  body_timeout: z.object({ type: z.literal('body_timeout'), message }).meta({
    id: 'BodyTimeoutError',
    description: 'The body stopped arriving (REQUEST_BODY_IDLE_TIMEOUT_MS).',
  }),
  already_finished: z
    .object({ type: z.literal('already_finished'), message, status: z.string() })
    .meta({ id: 'AlreadyFinishedError', description: 'The job already ended; `status` is how.' }),
  not_configured: z.object({ type: z.literal('not_configured'), message, setting: z.string() }).meta({
    id: 'NotConfiguredError',
    description: 'The API lacks a setting the operation needs; `setting` names it.',
  }),
  too_large: z.object({ type: z.literal('too_large'), message }).meta({
    id: 'TooLargeError',
    description: 'The body is over MAX_BODY_BYTES (16 KB for budgets and keys).',
  }),
  idempotency_key_reused: z
    .object({ type: z.literal('idempotency_key_reused'), message, header: z.string() })
    .meta({
      id: 'IdempotencyKeyReusedError',
      description: 'The Idempotency-Key was used in the last 24 hours with a different body.',
    }),
  rate_limited: z.object({ type: z.literal('rate_limited'), message }).meta({
    id: 'RateLimitedError',
    description: 'Over the key’s requests per minute: retry after Retry-After seconds.',
  }),
  internal: z
    .object({ type: z.literal('internal'), message })
    .meta({ id: 'InternalError', description: 'Something failed inside the API (it is logged there).' }),
} as const;

export type ErrorType = keyof typeof ERROR_BODIES;
export const ERROR_TYPES = Object.keys(ERROR_BODIES) as ErrorType[];

const errorUnion = <T extends ErrorType>(types: readonly T[]) =>
  z.discriminatedUnion(
    'type',
    types.map((type) => ERROR_BODIES[type]) as unknown as [
      (typeof ERROR_BODIES)[T],
      ...(typeof ERROR_BODIES)[T][],
    ],
  );

/** Every error answer: `{"error": {"type", "message", ...}}`, the extra fields depending on `type`. */
export const errorSchema = z.strictObject({ error: errorUnion(ERROR_TYPES) }).meta({
  id: 'Error',
  description:
    'Every error answer has this shape: `error.type` says what kind (a stable code to branch on), ' +
    '`error.message` says it for a person, and some types carry more (problems, parameter, header, details, ' +
    'field, setting, status).',
});
export type ErrorBody = z.infer<typeof errorSchema>;

/** An error answer of one status, narrowed to the types that status can have. */
export function errorResponse(description: string, ...types: ErrorType[]): OperationResponse {
  return {
    description,
    contentType: 'application/json',
    schema: z.strictObject({ error: errorUnion(types) }),
  };
}

/** `Retry-After`, in seconds, on a 429. */
export const retryAfterHeader = z.string().regex(/^\d+$/).meta({
  description: 'Seconds to wait before the next request of this kind.',
});

/** The draft-8 `RateLimit` headers express-rate-limit sends on every counted request (informational). */
export const rateLimitedResponse: OperationResponse = {
  ...errorResponse(
    'Over the key’s requests per minute (RATE_LIMIT_SUBMITS_PER_MIN, RATE_LIMIT_READS_PER_MIN).',
    'rate_limited',
  ),
  headers: { 'Retry-After': retryAfterHeader },
};

export const unauthorizedResponse: OperationResponse = {
  ...errorResponse('No `Authorization: Bearer` key, or an unknown or revoked one.', 'unauthorized'),
  headers: {
    'WWW-Authenticate': z.string().meta({ description: 'Bearer realm="tranche"' }),
  },
};

/** A 500 is `internal`; it refers to the whole Error schema, so that the document holds every error type once. */
export const internalErrorResponse: OperationResponse = {
  description: 'An unexpected failure inside the API (type `internal`; the cause is logged there).',
  contentType: 'application/json',
  schema: errorSchema,
};
