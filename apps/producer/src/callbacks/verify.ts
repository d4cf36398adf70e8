import { Webhook, WebhookVerificationError } from '@tranche/webhooks';

/** How far a delivery's `webhook-timestamp` may be from our clock, either way (Standard Webhooks' and OpenAI's). */
export const CALLBACK_TOLERANCE_S = 5 * 60;

/** Why a delivery was refused: nothing of it was acted on. */
export class CallbackRefusedError extends Error {
  constructor(
    /** 400: the delivery cannot be checked (a header missing, a timestamp out of tolerance); 401: it fails. */
    readonly status: 400 | 401,
    readonly type: 'invalid_callback' | 'invalid_signature',
    message: string,
  ) {
    super(message);
    this.name = 'CallbackRefusedError';
  }
}

const HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

export type CallbackHeaders = Record<(typeof HEADERS)[number], string>;

/**
 * Checks one provider's deliveries against its signing secrets (`whsec_…`; two while a secret is rotated). The
 * signature itself is standardwebhooks' `verify`: HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`,
 * compared in constant time with each `v1,` entry of `webhook-signature`.
 */
export class CallbackVerifier {
  private readonly webhooks: Webhook[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('a callback verifier needs at least one secret');
    this.webhooks = secrets.map((secret) => new Webhook(secret));
  }

  /**
   * The headers of a delivery whose body was signed with one of the secrets within the tolerance, or a
   * `CallbackRefusedError`. `now` is the receiving time in ms.
   */
  verify(
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
    now = Date.now(),
  ): CallbackHeaders {
    const found: Partial<CallbackHeaders> = {};
    for (const name of HEADERS) {
      const value = headers[name];
      if (typeof value !== 'string' || value.length === 0) {
        throw new CallbackRefusedError(400, 'invalid_callback', `missing ${name} header`);
      }
      found[name] = value;
    }
    const signed = found as CallbackHeaders;
    // Checked here, before any secret, so a stale or future delivery gets the same answer whatever it carries; the
    // library checks it again against its own clock with the same tolerance.
    const timestamp = /^\d{1,12}$/.test(signed['webhook-timestamp'])
      ? Number(signed['webhook-timestamp'])
      : Number.NaN;
    if (!Number.isFinite(timestamp)) {
      throw new CallbackRefusedError(
        400,
        'invalid_callback',
        'webhook-timestamp is not a Unix time in seconds',
      );
    }
    if (Math.abs(Math.floor(now / 1000) - timestamp) > CALLBACK_TOLERANCE_S) {
      throw new CallbackRefusedError(
        400,
        'invalid_callback',
        `webhook-timestamp is more than ${CALLBACK_TOLERANCE_S} s from the time it was received`,
      );
    }
    for (const webhook of this.webhooks) {
      try {
        webhook.verify(body, signed, { jsonParse: false });
        return signed;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
      }
    }
    throw new CallbackRefusedError(401, 'invalid_signature', 'the webhook-signature does not match the body');
  }
}

/**
 * Whether `secret` is a Standard Webhooks signing secret: base64 (after an optional `whsec_`) of at least 16 bytes.
 * A typo is refused at start rather than by every delivery.
 */
export function isSigningSecret(secret: string): boolean {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return false;
  try {
    new Webhook(secret);
  } catch {
    return false;
  }
  return Buffer.from(encoded, 'base64').length >= 16;
}
