import type { NotifyEvent } from './payloads';

/** Queue names are nouns; every process imports them from here. */
export const QUEUE_NAMES = {
  submit: 'submit',
  /** One queue job per planned batch (chunk), so that the chunks of one big job go out from several workers. */
  submitBatch: 'submit-batch',
  poll: 'poll',
  fetch: 'fetch',
  sweep: 'sweep',
  notify: 'notify',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Stable BullMQ job ids: adding the same work twice is a no-op while the first is still queued. */
export const jobIds = {
  submit: (jobId: string, round: number) => `submit_${jobId}_r${round}`,
  submitBatch: (batchId: string) => `submit-batch_${batchId}`,
  poll: (batchId: string) => `poll_${batchId}`,
  fetch: (batchId: string) => `fetch_${batchId}`,
  /** One delivery per event: the id is also the delivery id the receiver sees. */
  notify: (event: NotifyEvent) =>
    event.kind === 'alert' ? `notify_alert_${event.alertId}` : `notify_job_${event.jobId}`,
};
