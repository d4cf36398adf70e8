import { z } from 'zod';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http or https URL' });

/** Alerts, and the webhooks that carry them and the news of finished jobs. */
export const alertingEnvSchema = z.object({
  /** Where alerts are POSTed; unset, alerts are only logged and counted. */
  ALERT_WEBHOOK_URL: httpUrl.optional(),
  /** Signs every webhook (alerts and jobs' `options.webhook_url`): `X-Tranche-Signature: sha256=<hmac>`. */
  ALERT_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Signs the webhooks of jobs' `options.webhook_url` instead, so that their receivers cannot sign alerts. */
  JOB_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** A provider batch that stays in one state longer than this raises `batch_stuck`. */
  BATCH_STUCK_AFTER_S: z.coerce
    .number()
    .positive()
    .default(25 * 3600),
  /** One delivery attempt gives up after this long. */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(8),
  /** The first retry waits this long, each next one twice as long. */
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).default(10_000),
});
