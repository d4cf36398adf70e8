import { type Stage, stageOf } from '../core/batch-engine/batch';
import { progressAt } from '../core/batch-engine/progress';
import type { AnthropicBatch } from './batch-record';
import type { ProcessingStatus, RequestCounts, WireMessageBatch } from './types';

const EXPIRY_MS = 24 * 3600 * 1000;

/** A batch waits a step, processes its requests over the next one, then ends: `in_progress` all along. */
const STATUS: Record<Stage, ProcessingStatus> = {
  starting: 'in_progress',
  running: 'in_progress',
  finalizing: 'in_progress',
  cancelling: 'canceling',
  completed: 'ended',
  failed: 'ended',
  expired: 'ended',
  cancelled: 'ended',
};

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function processingStatus(batch: AnthropicBatch): ProcessingStatus {
  return STATUS[stageOf(batch)];
}

/**
 * The batch as the API returns it. `apiRoot` is where the client reached the emulator
 * (e.g. `http://127.0.0.1:8788/anthropic`): `results_url` must point back at it.
 */
export function renderBatch(batch: AnthropicBatch, apiRoot: string): WireMessageBatch {
  const ended = batch.phase === 'ended';
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: processingStatus(batch),
    request_counts: requestCounts(batch),
    ended_at: isoOrNull(batch.at.ended),
    created_at: iso(batch.at.created),
    expires_at: iso(batch.at.created + EXPIRY_MS),
    archived_at: null,
    cancel_initiated_at: isoOrNull(batch.at.cancelling),
    // Anthropic: results_url is absolute, and the SDK follows it as is, whatever its baseURL.
    results_url: ended ? `${apiRoot}/v1/messages/batches/${batch.id}/results` : null,
  };
}

/** Until the batch ends every request counts as `processing`; then each counts by its result. */
function requestCounts(batch: AnthropicBatch): RequestCounts {
  if (batch.phase !== 'ended') {
    return { processing: batch.plan!.total, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  }
  // An ended batch's progress no longer moves with time.
  const { total, done, failed } = progressAt(batch, batch.at.ended!)!;
  const notRun = total - done;
  return {
    processing: 0,
    succeeded: done - failed,
    errored: failed,
    canceled: batch.end === 'cancelled' ? notRun : 0,
    expired: batch.end === 'expired' ? notRun : 0,
  };
}
