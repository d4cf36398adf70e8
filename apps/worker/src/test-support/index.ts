export { type CapturedLogs, captureLogs, type LogLine } from './captured-logs';
export { type EmulatedWorker, type EmulatedWorkerOptions, emulatedWorker } from './emulated-worker';
export { withAdapters } from './fixed-adapters';
export { startWorkerHarness, type TakenJob, TEST_REDIS_URL, type WorkerHarness } from './harness';
export { inputLines, insertTestJob, planTestBatch, type TestJob, type TestJobOptions } from './jobs';
export {
  createAtProvider,
  emulatorEnv,
  endedTestBatch,
  recordEnded,
  refOf,
  sendTestBatch,
  submittedTestBatch,
  untilEnded,
} from './provider-batches';
export { eventually, type QueueWorkers, startQueueWorkers } from './queue-workers';
export { type AdapterMethod, ScriptedAdapter } from './scripted-adapter';
export {
  type ReceivedWebhook,
  signedWith,
  startWebhookReceiver,
  verifyWebhook,
  type WebhookReceiver,
} from './webhook-receiver';
