import { unixSeconds, unixSecondsOrNull } from '../core/clock';
import { requestCounts, usageAt } from './batch-progress';
import { type BatchRecord, TERMINAL_STATUSES } from './batch-record';
import type { WireBatch } from './types';

const COMPLETION_WINDOW_S = 24 * 3600;

/** The batch as the API returns it: every key present, `null` when unset. */
export function renderBatch(batch: BatchRecord, nowMs: number): WireBatch {
  const terminal = TERMINAL_STATUSES.has(batch.status);
  const createdAt = unixSeconds(batch.createdAtMs);
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.params.endpoint,
    model: batch.status === 'validating' ? null : (batch.plan?.model ?? null),
    errors: batch.errors && batch.status === 'failed' ? { object: 'list', data: batch.errors } : null,
    input_file_id: batch.params.inputFileId,
    completion_window: batch.params.completionWindow,
    status: batch.status,
    output_file_id: terminal ? batch.outputFileId : null,
    error_file_id: terminal ? batch.errorFileId : null,
    created_at: createdAt,
    in_progress_at: unixSecondsOrNull(batch.inProgressAtMs),
    expires_at: createdAt + COMPLETION_WINDOW_S,
    finalizing_at: unixSecondsOrNull(batch.finalizingAtMs),
    completed_at: unixSecondsOrNull(batch.completedAtMs),
    failed_at: unixSecondsOrNull(batch.failedAtMs),
    expired_at: unixSecondsOrNull(batch.expiredAtMs),
    cancelling_at: unixSecondsOrNull(batch.cancellingAtMs),
    cancelled_at: unixSecondsOrNull(batch.cancelledAtMs),
    request_counts: requestCounts(batch, nowMs),
    usage: usageAt(batch, nowMs),
    metadata: batch.params.metadata,
  };
}
