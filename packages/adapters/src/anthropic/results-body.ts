import type Anthropic from '@anthropic-ai/sdk';
import { ProviderCallError } from '../errors';

/**
 * The raw JSONL at a batch's `results_url`, fetched as the SDK's `batches.results()` fetches it (the same call: an
 * absolute URL it follows whatever `baseURL` says, `Accept: application/binary`). The SDK's own decoder parses each
 * line and throws on the first one that is not JSON, ending the whole read; the raw body lets every line be read on
 * its own (`readResultFile`).
 */
export async function resultsBody(
  client: Anthropic,
  batchId: string,
  /** Aborts the download, body included (the SDK's timeout ends when the headers arrive). */
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const batch = await client.messages.batches.retrieve(batchId);
  if (!batch.results_url) {
    throw new ProviderCallError(
      `anthropic: batch ${batchId} has no results_url yet (${batch.processing_status})`,
      null,
      true,
    );
  }
  const response = await client
    .get(batch.results_url, { headers: { Accept: 'application/binary' }, __binaryResponse: true, signal })
    .asResponse();
  if (!response.body) {
    throw new ProviderCallError(`anthropic: the results of batch ${batchId} came without a body`, null, true);
  }
  return response.body;
}
