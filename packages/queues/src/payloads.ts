import { z } from 'zod';

// Payloads carry ids only: Postgres decides what is done, the queues decide when.
export const submitPayload = z.object({ jobId: z.string().min(1) });
export type SubmitPayload = z.infer<typeof submitPayload>;

export const submitBatchPayload = z.object({ batchId: z.string().min(1) });
export type SubmitBatchPayload = z.infer<typeof submitBatchPayload>;

export const pollPayload = z.object({ batchId: z.string().min(1) });
export type PollPayload = z.infer<typeof pollPayload>;

export const fetchPayload = z.object({ batchId: z.string().min(1) });
export type FetchPayload = z.infer<typeof fetchPayload>;

export const sweepPayload = z.object({});
export type SweepPayload = z.infer<typeof sweepPayload>;

/** A webhook to deliver: an alert to ALERT_WEBHOOK_URL, or a finished job to its `options.webhook_url`. */
export const notifyPayload = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alert'), alertId: z.coerce.number().int().positive() }),
  z.object({ kind: z.literal('job'), jobId: z.string().min(1) }),
]);
export type NotifyEvent = z.infer<typeof notifyPayload>;
