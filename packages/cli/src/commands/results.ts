import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { TrancheClient } from '@tranche/client';
import type { Command } from 'commander';
import { clientFor } from '../client-options.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine } from '../output.js';
import { runAction } from '../run-action.js';

interface ResultsOptions {
  output?: string;
  failedOnly?: boolean;
}

/** Writes the result lines as they arrive, waiting for the destination when it is slower than the API. */
async function writeResults(
  client: TrancheClient,
  jobId: string,
  failedOnly: boolean,
  destination: NodeJS.WritableStream,
): Promise<number> {
  let lines = 0;
  for await (const result of client.results(jobId, { failedOnly })) {
    if (!destination.write(`${JSON.stringify(result)}\n`)) await once(destination, 'drain');
    lines++;
  }
  return lines;
}

/** Into a file next to the target, renamed into place once complete: a cut stream never leaves a short file. */
async function resultsToFile(client: TrancheClient, jobId: string, failedOnly: boolean, path: string) {
  const partial = `${path}.partial`;
  const file = createWriteStream(partial);
  try {
    const lines = await writeResults(client, jobId, failedOnly, file);
    file.end();
    await finished(file);
    await rename(partial, path);
    return lines;
  } catch (error) {
    file.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

export function registerResults(program: Command): void {
  program
    .command('results')
    .summary("a job's results as NDJSON, one line per input, streamed (stdout by default)")
    .argument('<job>', 'the job id')
    .option('-o, --output <file>', 'write the results to this file instead of stdout')
    .option('--failed-only', 'only the failed inputs')
    .action((jobId: string, options: ResultsOptions, command: Command) =>
      runAction(command, async (global) => {
        const client = clientFor(global);
        const failedOnly = options.failedOnly ?? false;
        if (!options.output) {
          await writeResults(client, jobId, failedOnly, process.stdout);
          return EXIT.ok;
        }
        const lines = await resultsToFile(client, jobId, failedOnly, options.output);
        if (global.json) printJson({ job_id: jobId, file: options.output, lines });
        else printLine(`${lines} result lines written to ${options.output}`);
        return EXIT.ok;
      }),
    );
}
