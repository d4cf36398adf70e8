import { ConfigError } from '@tranche/config';
import { loadWorkerEnv } from './env';
import { startWorker } from './worker';

const SHUTDOWN_DEADLINE_MS = 30_000;

try {
  const worker = await startWorker(loadWorkerEnv());
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      console.error(`worker: shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms after ${signal}, exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    worker.close().then(
      () => process.exit(0),
      (error) => {
        console.error('worker: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`worker: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
