export { jobIds, QUEUE_NAMES, type QueueName } from './names';
export {
  type FetchPayload,
  fetchPayload,
  type PollPayload,
  pollPayload,
  type SubmitPayload,
  type SweepPayload,
  submitPayload,
  sweepPayload,
} from './payloads';
export { createQueues, redisConnection, type TrancheQueues } from './queues';
