import type { BatchRequestCounts } from 'openai/resources/batches';
import { type Stage, stageOf } from '../core/batch-engine/batch';
import { doneAt, progressAt } from '../core/batch-engine/progress';
import { unixSeconds, unixSecondsOrNull } from '../core/clock';
import type { OpenAIBatch } from './batch-record';
import type { BatchStatus, BatchUsage, WireBatch, WireBatchError } from './types';

const STATUS: Record<Stage, BatchStatus> = {
  starting: 'validating',
  running: 'in_progress',
  finalizing: 'finalizing',
  cancelling: 'cancelling',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

export function batchStatus(batch: OpenAIBatch): BatchStatus {
  return STATUS[stageOf(batch)];
}

/** How a provider on OpenAI's wire shows its batches. */
export interface BatchViewOptions {
  /** `expires_at` when the completion window closes (OpenAI), or none (Azure OpenAI runs a batch past 24 h). */
  expiresAt: boolean;
  /** `errors` as `{object: "list", data}` (OpenAI), or as the bare array Groq's guide shows. */
  errors?: 'list' | 'array';
}

/** The batch as the API returns it: every key present, `null` when unset. */
export function renderBatch(
  batch: OpenAIBatch,
  nowMs: number,
  view: BatchViewOptions = { expiresAt: true },
): WireBatch {
  const { at, end } = batch;
  const ended = batch.phase === 'ended';
  const createdAt = unixSeconds(at.created);
  const endedAt = (reason: typeof end) => (end === reason ? unixSecondsOrNull(at.ended) : null);
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.params.endpoint,
    model: batch.phase === 'starting' ? null : (batch.plan?.model ?? null),
    errors: batch.failure && end === 'failed' ? errorsOf(batch.failure, view.errors ?? 'list') : null,
    input_file_id: batch.params.inputFileId,
    completion_window: batch.params.completionWindow,
    status: batchStatus(batch),
    output_file_id: ended ? batch.outputFileId : null,
    error_file_id: ended ? batch.errorFileId : null,
    created_at: createdAt,
    in_progress_at: unixSecondsOrNull(at.running),
    // Azure OpenAI keeps running a batch past 24 h ("we don't expire the jobs that take longer"): no deadline.
    expires_at: view.expiresAt ? createdAt + batch.params.completionWindowSeconds : null,
    finalizing_at: unixSecondsOrNull(at.finalizing),
    completed_at: endedAt('completed'),
    failed_at: endedAt('failed'),
    expired_at: endedAt('expired'),
    cancelling_at: unixSecondsOrNull(at.cancelling),
    cancelled_at: endedAt('cancelled'),
    request_counts: requestCounts(batch, nowMs),
    usage: usageAt(batch, nowMs),
    metadata: batch.params.metadata,
  };
}

function errorsOf(failure: WireBatchError[], style: 'list' | 'array'): WireBatch['errors'] {
  // The SDK's type knows the list form only; Groq's guide shows the array.
  return style === 'array' ? (failure as unknown as WireBatch['errors']) : { object: 'list', data: failure };
}

/**
 * Expired requests count as failed (they are in the error file). Requests a cancel cut off
 * are in neither count nor file, so `completed + failed < total` after a cancel.
 */
function requestCounts(batch: OpenAIBatch, nowMs: number): BatchRequestCounts {
  const progress = progressAt(batch, nowMs);
  const stage = stageOf(batch);
  if (!progress || stage === 'starting' || stage === 'failed') return { total: 0, completed: 0, failed: 0 };
  const { total, done, failed } = progress;
  const expired = stage === 'expired' ? total - done : 0;
  return { total, completed: done - failed, failed: failed + expired };
}

/** Billed usage: successful requests only. */
function usageAt(batch: OpenAIBatch, nowMs: number): BatchUsage {
  const plan = batch.plan;
  const done = plan ? doneAt(batch, nowMs) : 0;
  const input = plan ? plan.inputTokensBefore[done]! : 0;
  const output = plan ? plan.outputTokensBefore[done]! : 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: plan ? plan.cachedTokensBefore[done]! : 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}
