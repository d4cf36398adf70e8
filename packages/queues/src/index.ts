export { jobIds, QUEUE_NAMES, type QueueName } from './names';
export {
  type FetchPayload,
  fetchPayload,
  type NotifyEvent,
  notifyPayload,
  type PollPayload,
  pollPayload,
  type SubmitBatchPayload,
  type SubmitPayload,
  type SweepPayload,
  submitBatchPayload,
  submitPayload,
  sweepPayload,
} from './payloads';
export {
  createQueues,
  type DeliveryRetry,
  type EnqueueOutcome,
  hasHashTag,
  type RedisConnection,
  type RedisTarget,
  redisConnection,
  redisTargetOf,
  type TrancheQueues,
} from './queues';
