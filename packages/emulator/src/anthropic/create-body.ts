import type { Readable } from 'node:stream';
import { badRequest, tooLarge } from './errors';
import { JsonBodyError, JsonBodyScanner } from './json-body-scanner';

/**
 * Batch API limit (Anthropic's errors page: "256 MB"). Whether decimal or binary is unconfirmed: we take binary,
 * the larger, so nothing the planner sends (`PROVIDER_LIMITS` takes the decimal reading) is refused.
 */
export const MAX_BODY_BYTES = 256 * 1024 * 1024;

/**
 * Reads a create body straight off the socket, handing each `requests` element to `onRequest` as it
 * completes: the body is never held whole. Resolves to the body's size in bytes.
 */
export async function readCreateBody(
  body: Readable,
  declaredBytes: number | null,
  onRequest: (raw: Buffer, index: number) => void,
  maxBytes = MAX_BODY_BYTES,
): Promise<number> {
  if (declaredBytes !== null && declaredBytes > maxBytes) throw tooLarge(maxBytes);
  const scanner = new JsonBodyScanner('requests', {
    element: onRequest,
    member: (key) => {
      throw badRequest(
        key === 'requests'
          ? 'requests: Input should be a valid list'
          : `${key}: Extra inputs are not permitted`,
      );
    },
  });
  let bytes = 0;
  try {
    // Leaving the loop early must not destroy the socket: the error still has to be answered.
    for await (const chunk of body.iterator({ destroyOnReturn: false })) {
      bytes += (chunk as Buffer).length;
      if (bytes > maxBytes) throw tooLarge(maxBytes);
      scanner.write(chunk as Buffer);
    }
    scanner.end();
  } catch (error) {
    body.resume();
    if (error instanceof JsonBodyError)
      throw badRequest(`There was an error parsing the body: ${error.message}`);
    throw error;
  }
  if (!scanner.sawArray) throw badRequest('requests: Field required');
  if (scanner.elementCount === 0) {
    throw badRequest('requests: List should have at least 1 item after validation, not 0');
  }
  return bytes;
}
