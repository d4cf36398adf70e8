export { jobIds, QUEUE_NAMES, type QueueName } from './names';
export {
  type FetchPayload,
  fetchPayload,
  type NotifyEvent,
  notifyPayload,
  type PollPayload,
  pollPayload,
  type SubmitPayload,
  type SweepPayload,
  submitPayload,
  sweepPayload,
} from './payloads';
export {
  createQueues,
  type DeliveryRetry,
  type EnqueueOutcome,
  redisConnection,
  type TrancheQueues,
} from './queues';
