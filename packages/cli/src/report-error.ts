import { BudgetExceededError, TrancheError, ValidationError } from '@tranche/client';
import { EXIT, type ExitCode } from './exit-codes.js';
import { InputFileError } from './inputs/input-file-error.js';

interface ErrorBody {
  type?: string;
  message?: string;
  problems?: { field: string; message: string }[];
  parameter?: string;
  header?: string;
  field?: string;
  setting?: string;
  status?: string;
}

/** The `error` member of the API's envelope, when the error came from the API. */
function apiError(error: TrancheError): ErrorBody {
  const body = error.body as { error?: ErrorBody } | undefined;
  return body?.error ?? {};
}

interface Described {
  lines: string[];
  json: ErrorBody;
  exitCode: ExitCode;
}

/** An error of the API (or of reaching it), naming the field, parameter or header at fault. */
function describeApiError(error: TrancheError): Described {
  const body = apiError(error);
  const json = { ...body, type: body.type ?? error.type, message: body.message ?? error.message };
  // No answer (status 0): the message says what failed (connection refused, timeout). A 402's message gives the
  // numbers: the job's worst case, the month's spend, the budget.
  if (error.status === 0) return { lines: [json.message], json, exitCode: EXIT.error };
  if (error instanceof BudgetExceededError)
    return { lines: [json.message], json, exitCode: EXIT.budgetRefused };
  const named = [
    body.parameter && `parameter: ${body.parameter}`,
    body.header && `header: ${body.header}`,
    body.field && `field: ${body.field}`,
    body.setting && `setting: ${body.setting}`,
  ].filter((part): part is string => Boolean(part));
  const status = `HTTP ${error.status} ${json.type}${named.length > 0 ? `; ${named.join(', ')}` : ''}`;
  const problems = (error instanceof ValidationError ? error.problems : body.problems) ?? [];
  // The message of a 400 lists its problems too: one a line reads better.
  const lines =
    problems.length > 0
      ? [
          `the API refused the request (${status}):`,
          ...problems.map((problem) => `  ${problem.field}: ${problem.message}`),
        ]
      : [`${json.message} (${status})`];
  return { lines, json, exitCode: EXIT.error };
}

function describe(error: unknown): Described {
  if (error instanceof TrancheError) return describeApiError(error);
  if (error instanceof InputFileError)
    return {
      lines: [error.message],
      json: { type: 'input_file', message: error.message },
      exitCode: EXIT.error,
    };
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return {
    lines: [`${message}${cause}`],
    json: { type: 'error', message: `${message}${cause}` },
    exitCode: EXIT.error,
  };
}

/** Prints the error on stderr (as `{"error": …}` with --json) and returns the exit code it calls for. */
export function reportError(error: unknown, json: boolean): ExitCode {
  const { lines, json: body, exitCode } = describe(error);
  process.stderr.write(json ? `${JSON.stringify({ error: body })}\n` : `error: ${lines.join('\n')}\n`);
  return exitCode;
}
