import { processingStatus, requestCounts } from './batch-lifecycle';
import type { BatchRecord } from './batch-record';
import type { WireMessageBatch } from './types';

const EXPIRY_MS = 24 * 3600 * 1000;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/**
 * The batch as the API returns it. `apiRoot` is where the client reached the emulator
 * (e.g. `http://127.0.0.1:8788/anthropic`): `results_url` must point back at it.
 */
export function renderBatch(batch: BatchRecord, apiRoot: string): WireMessageBatch {
  const ended = batch.endedAtMs !== null;
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: processingStatus(batch),
    request_counts: requestCounts(batch),
    ended_at: isoOrNull(batch.endedAtMs),
    created_at: iso(batch.createdAtMs),
    expires_at: iso(batch.createdAtMs + EXPIRY_MS),
    archived_at: null,
    cancel_initiated_at: isoOrNull(batch.cancelInitiatedAtMs),
    // Anthropic: results_url is absolute, and the SDK follows it as is, whatever its baseURL.
    results_url: ended ? `${apiRoot}/v1/messages/batches/${batch.id}/results` : null,
  };
}
