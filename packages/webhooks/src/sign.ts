import { Webhook } from 'standardwebhooks';

export interface StandardHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export interface SignedMessage {
  /** The same on every attempt of one delivery: receivers deduplicate on it. */
  id: string;
  /** The exact body sent. */
  body: string;
  /** `whsec_<base64>` secrets: one signature each, and a receiver accepts any of them. */
  secrets: readonly string[];
  /** The time of this attempt, so a retry is not refused as stale by receivers. */
  now: Date;
}

/** The Standard Webhooks headers of one attempt (https://www.standardwebhooks.com/), signed by `standardwebhooks`. */
export function standardHeaders(message: SignedMessage): StandardHeaders {
  if (message.secrets.length === 0) throw new Error('a webhook is signed with at least one secret');
  const signatures = message.secrets.map((secret) =>
    new Webhook(secret).sign(message.id, message.now, message.body),
  );
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(message.now.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
