import type { DryRunResponse, JobToSubmit, SubmitResponse } from '@tranche/client';
import { type Command, Option } from 'commander';
import { clientFor, type GlobalOptions } from '../client-options.js';
import { EXIT, type ExitCode, exitCodeForStatus } from '../exit-codes.js';
import { type InputSource, openInputSource } from '../inputs/input-source.js';
import { jobSummary } from '../job-text.js';
import { collectTag, nonNegativeNumber, positiveInteger, positiveNumber } from '../option-parsers.js';
import { bytes, count, printJson, printLine, usd } from '../output.js';
import { createProgress } from '../progress/create-progress.js';
import { type ProgressMode, progressMode } from '../progress/progress.js';
import { runAction } from '../run-action.js';
import { waitWithProgress } from '../wait-for-job.js';
import { type HeaderOptions, jobHeader } from './job-header.js';

interface SubmitOptions extends HeaderOptions {
  format?: 'jsonl' | 'csv';
  idempotencyKey?: string;
  dryRun?: boolean;
  wait?: boolean;
  interval: number;
}

/** Uploads the inputs (NDJSON, streamed from the file) with a progress display of the file read so far. */
async function upload<T>(
  source: InputSource,
  mode: ProgressMode,
  send: (onUpload: (p: { inputs: number; bytes: number }) => void) => Promise<T>,
): Promise<T> {
  const progress = createProgress(mode, 'uploading');
  const onUpload = (sent: { inputs: number; bytes: number }) =>
    progress.update(
      source.totalBytes === null ? sent.inputs : Math.min(source.bytesRead(), source.totalBytes),
      source.totalBytes,
      `${count(sent.inputs)} inputs  ${bytes(sent.bytes)} sent`,
    );
  try {
    return await send(onUpload);
  } catch (error) {
    // A bad line ends the upload from inside the request body: say what was wrong with the file.
    throw source.failure() ?? error;
  } finally {
    progress.stop();
  }
}

function printEstimate(estimate: DryRunResponse): void {
  const { cost, budget } = estimate;
  printLine(
    `dry run: ${count(estimate.inputs)} inputs, ${count(estimate.distinct_inputs)} distinct (${count(estimate.duplicates)} duplicates), ${count(estimate.skipped_done)} already done, ${count(estimate.to_send)} to send`,
  );
  printLine(
    `  tokens: ${count(estimate.tokens.input)} input, at most ${count(estimate.tokens.max_output)} output (${estimate.tokenizer})`,
  );
  printLine(
    cost.priced
      ? `  worst case: ${usd(cost.worst_case_batch_usd)} at batch rates (${usd(cost.worst_case_sync_usd)} sync, saves ${usd(cost.worst_case_savings_usd)}); prices ${cost.price_version}`
      : '  worst case: unknown, the model has no price',
  );
  printLine(`  provider batches: ${estimate.chunks.length}`);
  if (budget)
    printLine(
      budget.fits
        ? `  budget: fits (${usd(budget.remaining_usd)} of ${usd(budget.monthly_usd)} left this month)`
        : `  budget: a submit would be refused: ${budget.refusal}`,
    );
}

function printSubmitted(answer: SubmitResponse): void {
  printLine(
    `job ${answer.job_id}  ${answer.status}  run ${answer.run_id}\n  inputs ${count(answer.inputs)}  duplicates ${count(answer.duplicates)}  skipped_done ${count(answer.skipped_done)}  awaiting ${count(answer.awaiting)}  to_send ${count(answer.to_send)}`,
  );
}

async function submit(file: string, options: SubmitOptions, global: GlobalOptions): Promise<ExitCode> {
  const client = clientFor(global);
  const mode = progressMode(global.json);
  const source = await openInputSource(file, options.format);
  const job: JobToSubmit = { ...(await jobHeader(options)), inputs: source.inputs };

  if (options.dryRun) {
    const estimate = await upload(source, mode, (onUpload) => client.estimate(job, { onUpload }));
    if (global.json) printJson(estimate);
    else printEstimate(estimate);
    return estimate.budget && !estimate.budget.fits ? EXIT.budgetRefused : EXIT.ok;
  }

  const answer = await upload(source, mode, (onUpload) =>
    client.submit(job, {
      onUpload,
      ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
    }),
  );
  if (!options.wait) {
    if (global.json) printJson(answer);
    else {
      printSubmitted(answer);
      printLine(`  follow it: tranche watch ${answer.job_id}`);
    }
    return EXIT.ok;
  }
  if (!global.json) printSubmitted(answer);
  const finished = await waitWithProgress(client, answer.job_id, mode, options.interval * 1000);
  if (global.json) printJson(finished);
  else {
    printLine(jobSummary(finished));
    printLine(`  results: tranche results ${finished.job_id} -o results.jsonl`);
  }
  return exitCodeForStatus(finished.status);
}

export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .summary('submit a job whose inputs are a JSONL or CSV file')
    .description(
      'Submit a job. The file holds the inputs only: JSONL (one JSON object per line: id, prompt or messages, ' +
        'system, text, params) or CSV with a header row naming input fields (id, prompt, system, text). ' +
        'The rest of the job comes from the options. Inputs stream from the file: any size is fine.',
    )
    .argument('<file>', 'file.jsonl, file.csv, or - to read JSONL from stdin')
    .requiredOption(
      '--provider <provider>',
      'the provider, e.g. openai (a name the API does not take is refused with the list)',
    )
    .requiredOption('--model <model>', 'the model, e.g. gpt-4o-mini')
    .requiredOption('--project <project>', 'metadata.project: whose budget and costs the job counts in')
    .option('--owner <owner>', 'metadata.owner (default: your user name)')
    .option('--environment <environment>', 'metadata.environment')
    .option('--run-id <run-id>', 'metadata.run_id: a replay of a run sends only what has not yet succeeded')
    .option('--tag <key=value>', 'metadata.tags entry (repeatable)', collectTag)
    .addOption(new Option('--kind <kind>', 'chat or embedding (default chat)').choices(['chat', 'embedding']))
    .option('--system <text>', 'defaults.system: the system prompt of every input without one')
    .option('--max-tokens <n>', 'defaults.params.max_tokens', positiveInteger)
    .option('--temperature <t>', 'defaults.params.temperature', nonNegativeNumber)
    .option('--schema <file.json>', 'output.schema: a JSON schema the answers must match (structured output)')
    .option('--schema-name <name>', 'output.name')
    .option('--max-attempts <n>', 'options.max_attempts: tries per request (1 to 10)', positiveInteger)
    .option('--timeout-h <hours>', 'options.timeout_h', positiveNumber)
    .option('--webhook-url <url>', 'options.webhook_url: POSTed job.finished when the job ends')
    .addOption(
      new Option('--format <format>', 'the input format, when the file name does not say').choices([
        'jsonl',
        'csv',
      ]),
    )
    .option(
      '--idempotency-key <key>',
      'makes a retried submit return the first job (default: a fresh key per call)',
    )
    .option(
      '--dry-run',
      'estimate tokens, worst-case cost, batches and the budget; submit nothing (exit 3 if the budget would refuse)',
    )
    .option('--wait', 'follow the job until it ends, then print its summary (exit 0, 1 or 2 by its outcome)')
    .option('--interval <seconds>', 'with --wait: seconds between status checks', positiveNumber, 2)
    .action((file: string, options: SubmitOptions, command: Command) =>
      runAction(command, (global) => submit(file, options, global)),
    );
}
