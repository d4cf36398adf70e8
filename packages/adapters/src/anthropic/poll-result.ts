import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchPhase, PollResult } from '../types';

const PHASES: Record<MessageBatch['processing_status'], BatchPhase> = {
  in_progress: 'running',
  canceling: 'cancelling',
  ended: 'ended',
};

/** Counters other than `processing` stay 0 until the batch ends; their sum is always the total. */
export function pollResult(batch: MessageBatch): PollResult {
  const counts = batch.request_counts;
  const phase = PHASES[batch.processing_status] ?? 'running';
  return {
    phase,
    outcome: phase === 'ended' ? outcomeOf(batch) : undefined,
    providerStatus: batch.processing_status,
    counts: {
      total: totalRequests(batch),
      completed: counts.succeeded,
      failed: counts.errored + counts.canceled + counts.expired,
    },
  };
}

export function totalRequests(batch: MessageBatch): number {
  const { processing, succeeded, errored, canceled, expired } = batch.request_counts;
  return processing + succeeded + errored + canceled + expired;
}

/** Anthropic has one terminal status; every request has its own result line, so this is for reporting. */
function outcomeOf(batch: MessageBatch): PollResult['outcome'] {
  if (batch.cancel_initiated_at) return 'cancelled';
  if (batch.request_counts.expired > 0) return 'expired';
  return 'completed';
}
