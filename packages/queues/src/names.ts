/** Queue names are nouns; every process imports them from here. */
export const QUEUE_NAMES = {
  submit: 'submit',
  poll: 'poll',
  fetch: 'fetch',
  sweep: 'sweep',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Stable BullMQ job ids: adding the same work twice is a no-op while the first is still queued. */
export const jobIds = {
  submit: (jobId: string, round: number) => `submit_${jobId}_r${round}`,
  poll: (batchId: string) => `poll_${batchId}`,
  fetch: (batchId: string) => `fetch_${batchId}`,
};
