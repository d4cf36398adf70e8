import 'zod-openapi';
import { z } from 'zod';
import { timestampSchema } from './common';
import { errorResponse } from './errors';
import type { Operation } from './operation';

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    postgres: z.string().meta({ description: "'ok', or why not." }),
    redis: z.string().meta({ description: "'ok', or why not." }),
    blocked_jobs: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .meta({ description: 'Jobs in flight that something blocks now; null when Postgres did not answer.' }),
    blocked: z
      .array(z.object({ reason: z.string(), jobs: z.number().int().nonnegative(), since: timestampSchema }))
      .meta({
        description: 'Each reason, how many jobs it blocks and since when, the longest-blocked first.',
      }),
  })
  .meta({ id: 'Health', description: 'Whether the API reaches Postgres and Redis, and what blocks jobs.' });
export type Health = z.infer<typeof healthSchema>;

const html = (description: string) => ({ description, contentType: 'text/html', schema: z.string() });

export const serviceOperations: Operation[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'Health',
    description:
      'No key needed. 503 when Postgres or Redis does not answer; what blocks jobs (a provider down, a refused ' +
      'provider key) does not make the API unhealthy, it is listed in the body.',
    tags: ['Service'],
    auth: false,
    responses: {
      200: {
        description: 'Postgres and Redis answer.',
        contentType: 'application/json',
        schema: healthSchema,
      },
      503: {
        description: 'Postgres or Redis does not.',
        contentType: 'application/json',
        schema: healthSchema,
      },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    description:
      "The Prometheus text format. METRICS_TOKEN as the bearer sees every project; an API key sees its projects' " +
      'series (an admin key every project).',
    tags: ['Service'],
    auth: true,
    responses: {
      200: { description: 'The metrics.', contentType: 'text/plain', schema: z.string() },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    summary: 'This document',
    description: 'The OpenAPI 3.1 description of the API, generated from the zod schemas it validates with.',
    tags: ['Service'],
    auth: false,
    responses: {
      200: {
        description: 'The OpenAPI document.',
        contentType: 'application/json',
        schema: z.record(z.string(), z.unknown()),
      },
    },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'The API reference page',
    description: 'This document rendered by Swagger UI, served by the API itself (no CDN).',
    tags: ['Service'],
    auth: false,
    responses: { 200: html('The reference page.') },
  },
  {
    method: 'get',
    path: '/dashboard/',
    operationId: 'dashboardPage',
    summary: 'The cost dashboard page',
    description: 'A static page; it asks for a key and reads /v1/dashboard with it.',
    tags: ['Service'],
    auth: false,
    responses: { 200: html('The page.') },
  },
];

/** The 404 of a path the API does not serve. */
export const noSuchRouteResponse = errorResponse('No such route.', 'not_found');
