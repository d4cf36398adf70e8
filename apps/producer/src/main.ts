import { ConfigError } from '@tranche/config';
import { loadApiEnv } from './env';
import { startApi } from './server';

const SHUTDOWN_DEADLINE_MS = 10_000;

try {
  const api = await startApi(loadApiEnv());
  const stop = () => {
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`api: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
