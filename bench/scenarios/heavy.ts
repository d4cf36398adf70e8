/** `pnpm bench heavy [--provider X] [--body json|ndjson]`: 3,000 inputs of 80 KB (240 MB) end to end. */
import type { BenchOptions } from '../harness';
import { runChatJob } from './chat-job';

export function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  return runChatJob(
    {
      name: 'heavy',
      inputs: 3_000,
      bytesPerInput: 80 * 1024,
      target: 'within 1.2x of the floor; every process peak RSS <= 300 MB',
    },
    opts,
  );
}
