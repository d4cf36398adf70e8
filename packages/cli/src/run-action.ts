import type { Command } from 'commander';
import { type GlobalOptions, globalOptions } from './client-options.js';
import type { ExitCode } from './exit-codes.js';
import { reportError } from './report-error.js';

/** Runs a command's work and turns its outcome or error into the process's exit code. */
export async function runAction(
  command: Command,
  work: (options: GlobalOptions) => Promise<ExitCode>,
): Promise<void> {
  const options = globalOptions(command);
  try {
    process.exitCode = await work(options);
  } catch (error) {
    process.exitCode = reportError(error, options.json);
  }
}
