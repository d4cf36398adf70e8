import type { Command } from 'commander';
import { clientFor } from '../client-options.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { runAction } from '../run-action.js';

export function registerCancel(program: Command): void {
  program
    .command('cancel')
    .summary('cancel a job (its finished results are kept)')
    .argument('<job>', 'the job id')
    .action((jobId: string, _options: unknown, command: Command) =>
      runAction(command, async (global) => {
        const job = await clientFor(global).cancel(jobId);
        if (global.json) printJson(job);
        else printLine(`job ${job.job_id}  ${job.status}`);
        return EXIT.ok;
      }),
    );
}
