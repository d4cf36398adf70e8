/**
 * `pnpm bench gb [--provider X] [--body json|ndjson]`: 12,500 inputs of 80 KB (about 1 GB) end to end. The API's
 * `MAX_BODY_BYTES` is raised to 2 GB for it; the bench generates the inputs as it sends them.
 */
import type { BenchOptions } from '../harness';
import { runChatJob } from './chat-job';

export function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  return runChatJob(
    {
      name: 'gb',
      inputs: 12_500,
      bytesPerInput: 80 * 1024,
      target: 'within 1.5x of the floor; every process peak RSS <= 300 MB',
      env: { MAX_BODY_BYTES: String(2 * 1024 ** 3) },
      waitIntervalMs: 500,
    },
    opts,
  );
}
