import 'zod-openapi';
import { z } from 'zod';

/** Money: an exact decimal string in USD (Postgres numerics keep 12 places), never a float. */
export const usdSchema = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .meta({
    id: 'Usd',
    description: 'An amount in USD as an exact decimal string (not a float), e.g. "0.004125000000".',
    example: '0.004125000000',
  });

/** An instant as the API writes it: `Date.prototype.toISOString()`, always UTC. */
export const timestampSchema = z.iso
  .datetime()
  .meta({ description: 'ISO 8601, UTC', example: '2026-05-01T12:00:00.000Z' });

export const JOB_STATUSES = [
  'queued',
  'submitting',
  'running',
  'cancelling',
  'completed',
  'completed_with_failures',
  'failed',
  'cancelled',
  'timed_out',
] as const;

export const jobStatusSchema = z.enum(JOB_STATUSES).meta({
  id: 'JobStatus',
  description:
    'queued → submitting → running → one of the terminal statuses: completed, completed_with_failures, failed, ' +
    'cancelled, timed_out (cancelling while a cancel reaches the provider).',
});

export const ROLES = ['admin', 'member', 'viewer'] as const;
export const roleSchema = z.enum(ROLES).meta({
  id: 'Role',
  description:
    'admin: everything, every project; member: submit, read and cancel in its projects; viewer: read its projects.',
});

/** A project name as jobs carry it in `metadata.project`. */
export const PROJECT_MAX_LENGTH = 100;

/** The path parameter naming a project (trimmed; 1 to 100 characters, checked by the route). */
export const projectParamsSchema = z.object({
  project: z
    .string()
    .meta({ description: 'The project, as jobs name it in `metadata.project`.', example: 'search' }),
});

/** A UUID, e.g. a job's id, as a path parameter (any other text is answered 404, like an unknown id). */
export const idParamsSchema = z.object({
  id: z.string().meta({ description: 'The id (a UUID).', example: '0190d7e2-5a43-4b8e-9e1c-3f2b8f4a7c11' }),
});
