import { unixSeconds } from '../core/clock';
import { randomHex } from '../core/ids';
import type { OpenAIBatch } from './batch-record';

/**
 * The event OpenAI's webhooks send when a batch ends (the `openai` SDK's `Batch{Completed,Failed,Cancelled,Expired}
 * WebhookEvent`): thin, naming the batch only, so a receiver reads the batch itself.
 */
export interface OpenAIBatchEvent {
  id: string;
  object: 'event';
  type: 'batch.completed' | 'batch.failed' | 'batch.cancelled' | 'batch.expired';
  created_at: number;
  data: { id: string };
}

export function openAIBatchEvent(batch: OpenAIBatch): OpenAIBatchEvent | null {
  if (batch.end === null) return null;
  return {
    id: `evt_${randomHex(32)}`,
    object: 'event',
    type: `batch.${batch.end}`,
    created_at: unixSeconds(batch.at.ended ?? batch.at.created),
    data: { id: batch.id },
  };
}

/** What OpenAI's deliveries say they are. */
export const OPENAI_WEBHOOK_USER_AGENT = 'OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)';
