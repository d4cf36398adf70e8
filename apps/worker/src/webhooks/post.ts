import { SIGNATURE_HEADER, signBody } from './sign';

export interface WebhookDelivery {
  url: string;
  /** The JSON body, exactly as signed and sent. */
  body: string;
  event: string;
  /** The same on every attempt: receivers can use it to drop a delivery they already processed. */
  deliveryId: string;
  attempt: number;
  secret?: string;
  timeoutMs: number;
}

export class WebhookError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookError';
  }
}

/** Where a webhook goes, for logs: the URL's origin only (a path or query may carry a token). */
export function webhookOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

/** One POST. Anything but a 2xx answer in time (redirects included) throws, so the queue retries it. */
export async function postWebhook(delivery: WebhookDelivery): Promise<number> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'tranche-webhooks/1',
    'x-tranche-event': delivery.event,
    'x-tranche-delivery': delivery.deliveryId,
    'x-tranche-attempt': String(delivery.attempt),
  };
  if (delivery.secret) headers[SIGNATURE_HEADER] = signBody(delivery.body, delivery.secret);
  const origin = webhookOrigin(delivery.url);
  let response: Response;
  try {
    response = await fetch(delivery.url, {
      method: 'POST',
      headers,
      body: delivery.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(delivery.timeoutMs),
    });
  } catch (error) {
    throw new WebhookError(`no answer from ${origin}: ${reason(error)}`);
  }
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299) {
    throw new WebhookError(`${origin} answered HTTP ${response.status}`);
  }
  return response.status;
}
