import 'zod-openapi';
import { z } from 'zod';
import { jobStatusSchema, timestampSchema } from './common';
import { jobCostSchema, reconciliationSchema } from './job-answers';

export const jobFinishedEventSchema = z
  .object({
    type: z.literal('job.finished'),
    job: z.strictObject({
      id: z.uuid(),
      status: jobStatusSchema,
      provider: z.string(),
      model: z.string(),
      project: z.string(),
      owner: z.string(),
      environment: z.string().nullable(),
      run_id: z.string(),
      tags: z.record(z.string(), z.string()),
      error: z.string().nullable(),
      created_at: timestampSchema,
      finished_at: timestampSchema.nullable(),
      // Copies without the component ids: a webhook body is a request in the document, and a component used both
      // ways would be rendered twice (JobCost and JobCostOutput).
      reconciliation: z.strictObject(reconciliationSchema.shape),
      cost: z.strictObject(jobCostSchema.shape),
    }),
  })
  .meta({
    id: 'JobFinishedEvent',
    description:
      "The body POSTed to a job's `options.webhook_url` once it reaches a terminal status, signed with the " +
      "project's webhook secret (Standard Webhooks).",
  });
export type JobFinishedEvent = z.infer<typeof jobFinishedEventSchema>;

/** The Standard Webhooks headers of every delivery. */
export const webhookHeadersSchema = z.strictObject({
  'webhook-id': z.string().meta({ description: 'The same on every attempt of one delivery (dedupe on it).' }),
  'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt.' }),
  'webhook-signature': z.string().meta({
    description:
      'Space-separated `v1,<base64 HMAC-SHA256>` of `<id>.<timestamp>.<body>`; two while a rotated secret is in ' +
      'its grace period.',
  }),
});
