import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-tranche-signature';

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes (UTF-8) under the shared secret. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
