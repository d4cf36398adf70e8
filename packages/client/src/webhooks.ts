import { Webhook } from 'standardwebhooks';
import { WebhookVerificationError } from './errors.js';
import type { JobFinishedEvent } from './types.js';

/** A request's headers: a fetch `Headers`, or a plain object such as Node's `req.headers`. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

function plainHeaders(headers: WebhookHeaders): Record<string, string> {
  const plain: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, name) => {
      plain[name.toLowerCase()] = value;
    });
    return plain;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    plain[name.toLowerCase()] = typeof value === 'string' ? value : value.join(', ');
  }
  return plain;
}

/**
 * Checks a job webhook the Standard Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with the
 * project's `whsec_` secret, over the body exactly as received (do not parse and re-serialise it first), and
 * returns the event. During a rotation the service signs with both secrets, so either verifies. Throws
 * WebhookVerificationError when no signature matches, a header is missing, or the delivery is over 5 minutes old.
 */
export function verifyWebhook(
  headers: WebhookHeaders,
  body: string | Uint8Array,
  secret: string,
): JobFinishedEvent {
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch (error) {
    throw new WebhookVerificationError('the secret is not a whsec_ secret', { cause: error });
  }
  const payload = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return webhook.verify(payload, plainHeaders(headers)) as JobFinishedEvent;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhookVerificationError(`webhook not verified: ${reason}`, { cause: error });
  }
}
