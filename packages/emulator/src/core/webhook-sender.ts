import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { randomHex } from './ids';

/** Where a provider's webhook events go, and how they are sent. */
export const webhookTargetSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** The endpoint's signing secret, as the provider shows it: `whsec_` and base64. */
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'whsec_ and base64'),
  /** Each event is delivered this many times under one `webhook-id`, as a provider's at-least-once delivery may. */
  deliveries: z.number().int().min(1).max(10).default(1),
  /** Signs with this secret instead of `secret`: deliveries the receiver must refuse. */
  sign_with: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'whsec_ and base64')
    .optional(),
});
export type WebhookTarget = z.infer<typeof webhookTargetSchema>;

/** One attempt to deliver an event, as the sender saw it. */
export interface WebhookAttempt {
  webhookId: string;
  type: string;
  /** The object the event is about (a batch id). */
  subject: string;
  /** The receiver's HTTP status, or null when it could not be reached. */
  status: number | null;
}

/** A receiver's non-2xx or a network error is retried this many times (the same `webhook-id`, signed anew). */
const RETRIES = 3;
const RETRY_DELAY_MS = 200;
const ATTEMPT_TIMEOUT_MS = 5_000;

/**
 * The Standard Webhooks signature of one attempt (https://www.standardwebhooks.com/): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` keyed with the base64 after `whsec_`, as `v1,<base64>`. Written here with node:crypto
 * rather than with a library, so that the receivers' library and the providers' SDKs check an independent signer.
 */
export function standardSignature(secret: string, id: string, timestampS: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
}

/**
 * A provider's outgoing webhooks: unset until a test or an operator configures a target (`POST /_emulator/webhooks`);
 * then each event is POSTed there, signed, with retries on failure. Sending never holds up the batch that caused it.
 */
export class WebhookSender {
  private target: WebhookTarget | null = null;
  private readonly log: WebhookAttempt[] = [];
  private readonly pending = new Set<AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    /** What the requests' `user-agent` says (OpenAI: `OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)`). */
    private readonly userAgent: string,
  ) {}

  configure(target: WebhookTarget | null): void {
    this.target = target;
  }

  /** The target without its secrets, and every attempt so far, oldest first. */
  view(): { url: string | null; deliveries: number | null; attempts: WebhookAttempt[] } {
    return {
      url: this.target?.url ?? null,
      deliveries: this.target?.deliveries ?? null,
      attempts: [...this.log],
    };
  }

  /** Sends `event` (a JSON object with its `type`) to the target, if one is set; `subject` names what it is about. */
  send(event: { type: string }, subject: string): void {
    const target = this.target;
    if (!target) return;
    const body = JSON.stringify(event);
    // Several deliveries of one event carry one id, as a provider's retries do: the receiver must act on it once.
    const id = `wh_${randomHex(32)}`;
    for (let i = 0; i < target.deliveries; i++) {
      void this.attempt(target, { id, type: event.type, subject, body }, 0);
    }
  }

  private async attempt(
    target: WebhookTarget,
    delivery: { id: string; type: string; subject: string; body: string },
    retry: number,
  ): Promise<void> {
    const timestamp = Math.floor(Date.now() / 1000);
    const abort = new AbortController();
    this.pending.add(abort);
    const timer = setTimeout(() => abort.abort(), ATTEMPT_TIMEOUT_MS);
    let status: number | null = null;
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.userAgent,
          'webhook-id': delivery.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': standardSignature(
            target.sign_with ?? target.secret,
            delivery.id,
            timestamp,
            delivery.body,
          ),
        },
        body: delivery.body,
        signal: abort.signal,
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = null;
    } finally {
      clearTimeout(timer);
      this.pending.delete(abort);
    }
    // Reconfigured or reset meanwhile: what was sent to the old target is no longer of interest.
    if (this.target !== target) return;
    this.log.push({ webhookId: delivery.id, type: delivery.type, subject: delivery.subject, status });
    const failed = status === null || status < 200 || status >= 300;
    if (!failed || retry >= RETRIES) return;
    const next = setTimeout(
      () => {
        this.timers.delete(next);
        void this.attempt(target, delivery, retry + 1);
      },
      RETRY_DELAY_MS * 2 ** retry,
    );
    next.unref();
    this.timers.add(next);
  }

  /** Forgets the target and the attempts, and stops what is still being sent. */
  reset(): void {
    this.target = null;
    this.log.length = 0;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const abort of this.pending) abort.abort();
    this.pending.clear();
  }
}
