import 'zod-openapi';
import { z } from 'zod';
import { idParamsSchema } from './common';
import { errorResponse } from './errors';
import { dryRunResponseSchema, jobResultSchema, jobViewSchema, submitResponseSchema } from './job-answers';
import { inputSchema, jobHeaderSchema, jobSpecSchema } from './job-schema';
import type { Operation } from './operation';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
export const RESULT_COUNT_HEADER = 'X-Result-Count';

export const submitQuerySchema = z.object({
  dry_run: z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .meta({
      description:
        'true: validate and estimate the job (tokens, worst-case cost, provider batches, whether the budget ' +
        'takes it) and answer 200 with a DryRunResponse; nothing is written or queued. Viewers may ask too.',
    }),
});

export const submitHeadersSchema = z.object({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .regex(/^[\x20-\x7e]{1,255}$/)
    .optional()
    .meta({
      description:
        '1 to 255 printable ASCII characters. The same key and the same body within 24 hours answer what the first ' +
        'request was answered (with Idempotent-Replayed: true) and create nothing; the same key with another ' +
        'body is a 422. Keys belong to the API key that sent them.',
    }),
});

/** One line of an NDJSON job body: the first is the job's header, each next one an input. */
export const ndjsonJobLineSchema = z.union([jobHeaderSchema, inputSchema]).meta({
  description:
    'NDJSON (one JSON document per line): the first line is the JobHeader, each further line one JobInput. ' +
    'Streamed: a job of millions of inputs never sits in memory, and each line is held to MAX_INPUT_BYTES.',
});

const notFound = errorResponse('No such job, or one of a project the key cannot see.', 'not_found');

export const jobOperations: Operation[] = [
  {
    method: 'post',
    path: '/v1/jobs',
    operationId: 'submitJob',
    summary: 'Submit a job (or estimate it with dry_run)',
    description:
      'A job as one JSON document (`application/json`, up to MAX_BODY_BYTES) or streamed as NDJSON ' +
      '(`application/x-ndjson`: the first line the JobHeader, then one JobInput per line). The whole job is ' +
      'validated: any problem, in the header or any input, refuses it with every problem listed, and nothing is ' +
      'kept. A project with a budget refuses a job whose worst case does not fit (402). Limits: MAX_INPUTS inputs ' +
      '(default 1,000,000), MAX_INPUT_BYTES per input (default 32 MiB), MAX_BODY_BYTES per body (413), and a body ' +
      'that stops arriving for REQUEST_BODY_IDLE_TIMEOUT_MS is refused (408). Send an Idempotency-Key to retry ' +
      'safely.',
    tags: ['Jobs'],
    auth: true,
    query: submitQuerySchema,
    headers: submitHeadersSchema,
    body: [
      { contentType: 'application/json', schema: jobSpecSchema },
      { contentType: 'application/x-ndjson', schema: ndjsonJobLineSchema },
    ],
    responses: {
      200: {
        description: 'dry_run=true: what a submit would do and cost.',
        contentType: 'application/json',
        schema: dryRunResponseSchema,
      },
      202: {
        description: 'The job was taken in and queued (or, with a key seen before, the first answer again).',
        contentType: 'application/json',
        schema: submitResponseSchema,
        headers: {
          [REPLAYED_HEADER]: z.literal('true').optional().meta({
            description: 'Set when this answer repeats an earlier one with the same Idempotency-Key.',
          }),
        },
      },
      400: errorResponse(
        'The job is refused (invalid_job, with every problem), a parameter or header is (invalid_request), or ' +
          'the body is not JSON.',
        'invalid_job',
        'invalid_request',
        'invalid_json',
      ),
      402: errorResponse(
        "The job's worst case does not fit its project's budget this month; details holds the numbers.",
        'budget_exceeded',
      ),
      403: errorResponse(
        'A viewer key, or a project the key may not use (field: metadata.project).',
        'forbidden',
      ),
      408: errorResponse('The body stopped arriving (REQUEST_BODY_IDLE_TIMEOUT_MS).', 'body_timeout'),
      413: errorResponse('The body is over MAX_BODY_BYTES.', 'too_large'),
      422: errorResponse(
        'The Idempotency-Key was used in the last 24 hours with a different body.',
        'idempotency_key_reused',
      ),
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}',
    operationId: 'getJob',
    summary: 'A job',
    description:
      'Its status, reconciliation (every request accounted for), usage, cost so far and provider batches.',
    tags: ['Jobs'],
    auth: true,
    params: idParamsSchema,
    responses: {
      200: { description: 'The job.', contentType: 'application/json', schema: jobViewSchema },
      404: notFound,
    },
  },
  {
    method: 'get',
    path: '/v1/jobs/{id}/results',
    operationId: 'jobResults',
    summary: "A job's results (NDJSON)",
    description:
      'One JobResult per line, one line per input sent (duplicates included), in input order, streamed; inputs ' +
      'without a final result yet are `pending`. X-Result-Count says how many lines the stream holds: fewer ' +
      'lines means the stream was cut (read again).',
    tags: ['Jobs'],
    auth: true,
    params: idParamsSchema,
    responses: {
      200: {
        description: 'NDJSON: one JobResult per line.',
        contentType: 'application/x-ndjson',
        schema: jobResultSchema,
        headers: {
          [RESULT_COUNT_HEADER]: z
            .string()
            .regex(/^\d+$/)
            .meta({ description: 'How many lines the stream holds.' }),
        },
      },
      404: notFound,
    },
  },
  {
    method: 'post',
    path: '/v1/jobs/{id}/cancel',
    operationId: 'cancelJob',
    summary: 'Cancel a job',
    description:
      'Members and admins. Cancels the provider batches in flight; results already in are kept. Answers the job ' +
      '(status cancelling, then cancelled).',
    tags: ['Jobs'],
    auth: true,
    params: idParamsSchema,
    responses: {
      200: { description: 'The job.', contentType: 'application/json', schema: jobViewSchema },
      403: errorResponse('A viewer key.', 'forbidden'),
      404: notFound,
      409: errorResponse('The job already ended.', 'already_finished'),
    },
  },
];
