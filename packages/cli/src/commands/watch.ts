import type { Command } from 'commander';
import { clientFor } from '../client-options.js';
import { exitCodeForStatus } from '../exit-codes.js';
import { jobSummary } from '../job-text.js';
import { positiveNumber } from '../option-parsers.js';
import { printJson, printLine } from '../output.js';
import { progressMode } from '../progress/progress.js';
import { runAction } from '../run-action.js';
import { waitWithProgress } from '../wait-for-job.js';

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .summary('follow a job with a progress bar until it ends (exit 0, 1 or 2 by its outcome)')
    .argument('<job>', 'the job id')
    .option('--interval <seconds>', 'seconds between status checks', positiveNumber, 2)
    .action((jobId: string, options: { interval: number }, command: Command) =>
      runAction(command, async (global) => {
        const job = await waitWithProgress(
          clientFor(global),
          jobId,
          progressMode(global.json),
          options.interval * 1000,
        );
        if (global.json) printJson(job);
        else printLine(jobSummary(job));
        return exitCodeForStatus(job.status);
      }),
    );
}
