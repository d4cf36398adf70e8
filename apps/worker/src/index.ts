export { loadWorkerEnv, type WorkerEnv, workerEnvSchema } from './env';
export { type RunningWorker, startWorker } from './worker';
