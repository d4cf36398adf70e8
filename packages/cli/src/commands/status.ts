import type { Command } from 'commander';
import { clientFor } from '../client-options.js';
import { EXIT } from '../exit-codes.js';
import { jobSummary } from '../job-text.js';
import { printJson, printLine } from '../output.js';
import { runAction } from '../run-action.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .summary("a job's status, reconciliation and cost")
    .argument('<job>', 'the job id')
    .action((jobId: string, _options: unknown, command: Command) =>
      runAction(command, async (global) => {
        const job = await clientFor(global).get(jobId);
        if (global.json) printJson(job);
        else printLine(jobSummary(job));
        return EXIT.ok;
      }),
    );
}
