/**
 * `pnpm bench small [--workers N|1,2]`: 100,000 inputs of 200 characters end to end, the workers polling the
 * provider every second (as the issue measured it).
 */
import type { BenchOptions } from '../harness';
import { runChatJob } from './chat-job';

export function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  return runChatJob(
    {
      name: 'small',
      inputs: 100_000,
      bytesPerInput: 200,
      target: 'end to end <= 10 s; intake <= 2 s; every process peak RSS <= 300 MB',
      env: { POLL_INTERVAL_S: '1' },
    },
    opts,
  );
}
