/** The exit codes of `tranche`, documented in `tranche --help` and the README. */
export const EXIT = {
  /** Done: the command did what it was asked (a waited-for job completed). */
  ok: 0,
  /** An error: usage, input file, network, the API refused, or the job failed, was cancelled or timed out. */
  error: 1,
  /** The job finished with failures (`completed_with_failures`). */
  jobFailures: 2,
  /** A budget refused the job (402 budget_exceeded). */
  budgetRefused: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODES_HELP = `Exit codes:
  0  done (a waited-for job completed)
  1  error: usage, input file, network, API error; or the job failed, was cancelled or timed out
  2  the job finished with failures (completed_with_failures)
  3  a budget refused the job (402 budget_exceeded)`;

/** What a terminal job status means for the exit code of `submit --wait` and `watch`. */
export function exitCodeForStatus(status: string): ExitCode {
  if (status === 'completed') return EXIT.ok;
  if (status === 'completed_with_failures') return EXIT.jobFailures;
  return EXIT.error;
}
