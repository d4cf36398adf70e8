import { envFlag } from '@tranche/config';
import { z } from 'zod';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  // fetch refuses such URLs, quoting them whole in its error: refused here, without echoing it.
  .refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), 'must not carry a user name or password');

/** `whsec_` and the base64 of at least 24 bytes: a Standard Webhooks secret. */
function isStandardSecret(value: string): boolean {
  const key = value.startsWith('whsec_') ? value.slice('whsec_'.length) : null;
  if (key === null || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(key))
    return false;
  return Buffer.from(key, 'base64').length >= 24;
}

/** Alerts, and the webhooks that carry them and the news of finished jobs. */
export const alertingEnvSchema = z.object({
  /** Where alerts are POSTed; unset, alerts are only logged and counted. */
  ALERT_WEBHOOK_URL: httpUrl.optional(),
  /** Signs alerts (Standard Webhooks); unset, alerts are sent unsigned. */
  ALERT_WEBHOOK_SECRET: z
    .string()
    .refine(isStandardSecret, {
      message:
        'must be whsec_ and the base64 of at least 24 random bytes: make one with `echo "whsec_$(openssl rand -base64 32)"`',
    })
    .optional(),
  /**
   * Each project's job-webhook secret is derived from this and the project's salt (the API's rotate endpoint draws
   * it): give the API and the workers the same value. Unset, job webhooks are not sent.
   */
  WEBHOOK_SECRETS_KEY: z.string().min(32, 'at least 32 characters (e.g. openssl rand -base64 48)').optional(),
  /** Jobs' webhooks may go to loopback, private and link-local addresses (tests, private setups). */
  WEBHOOK_ALLOW_PRIVATE: envFlag,
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
