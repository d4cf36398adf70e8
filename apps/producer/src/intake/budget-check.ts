import { type BudgetStatus, budgetStatus, getBudget, lockProjectBudget, type Sql } from '@tranche/db';
import { decimalToPico, formatUsd } from '@tranche/pricing';
import type { EstimateTotals } from './job-estimate';

export interface BudgetRefusalDetails {
  reason: 'over_budget' | 'unpriced_model';
  project: string;
  provider: string;
  model: string;
  budget: BudgetStatus;
  job: {
    requests: number;
    input_tokens: number;
    max_output_tokens: number;
    worst_case_batch_usd: string | null;
    price_version: string | null;
  };
}

/** A job refused because it could take its project past its monthly budget (HTTP 402). */
export class BudgetExceededError extends Error {
  readonly status = 402;
  readonly type = 'budget_exceeded';
  constructor(
    message: string,
    readonly details: BudgetRefusalDetails,
  ) {
    super(message);
    this.name = 'BudgetExceededError';
  }
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

function describeMaxTokens(totals: EstimateTotals): string {
  const range = totals.maxTokensRange;
  if (!range || totals.maxOutputTokens === 0) return 'no output tokens';
  const sized =
    range[0] === range[1] ? formatCount(range[0]) : `${formatCount(range[0])} to ${formatCount(range[1])}`;
  const without = totals.withoutMaxTokens;
  if (without === 0) return `max_tokens ${sized}`;
  const assumed =
    `max_tokens ${formatCount(totals.defaultMaxOutputTokens)} assumed where none is set ` +
    `(${totals.defaultMaxOutputSource}; set params.max_tokens to bound it)`;
  return without === totals.requests ? assumed : `max_tokens ${sized}, ${assumed}`;
}

/** The job's side of a budget message: what it can cost and why. */
export function describeJobWorstCase(project: string, totals: EstimateTotals): string {
  return (
    `project ${project}: this job can cost up to ${formatUsd(totals.worstCaseBatchUsd ?? '0')} at batch rates ` +
    `(${formatCount(totals.requests)} inputs, ${formatCount(totals.inputTokens)} input tokens estimated, ` +
    `${describeMaxTokens(totals)})`
  );
}

/** The budget's side: what is committed this month, and what remains. */
export function describeBudget(status: BudgetStatus): string {
  return (
    `${formatUsd(status.committed_usd)} of the ${formatUsd(status.monthly_usd)} monthly budget for ${status.month} ` +
    `is already committed (${formatUsd(status.spent_usd)} spent, ${formatUsd(status.reserved_usd)} reserved by ` +
    `running jobs); ${formatUsd(status.remaining_usd)} remains`
  );
}

/** Whether a job of this worst case fits: a job that can cost nothing always does. */
export function fitsBudget(status: BudgetStatus, worstCaseUsd: string | null): boolean {
  if (worstCaseUsd === null) return false;
  const worst = decimalToPico(worstCaseUsd);
  if (worst === 0n) return true;
  return decimalToPico(status.committed_usd) + worst <= decimalToPico(status.monthly_usd);
}

export interface BudgetCheckJob {
  project: string;
  provider: string;
  model: string;
  totals: EstimateTotals;
}

function refusalDetails(job: BudgetCheckJob, status: BudgetStatus, reason: BudgetRefusalDetails['reason']) {
  return {
    reason,
    project: job.project,
    provider: job.provider,
    model: job.model,
    budget: status,
    job: {
      requests: job.totals.requests,
      input_tokens: job.totals.inputTokens,
      max_output_tokens: job.totals.maxOutputTokens,
      worst_case_batch_usd: job.totals.worstCaseBatchUsd,
      price_version: job.totals.priceVersion,
    },
  };
}

/** Why the project's budget cannot take this job, or null when it can (a job that sends nothing always fits). */
export function budgetRefusal(job: BudgetCheckJob, status: BudgetStatus): BudgetExceededError | null {
  if (job.totals.requests === 0) return null;
  if (!job.totals.priced) {
    return new BudgetExceededError(
      `project ${job.project} has a monthly budget, but ${job.provider} model ${job.model} has no price, so the ` +
        `budget cannot be enforced and the job is refused: add the model to the operator's price table ` +
        `(PRICES_FILE, see the README's price table) or use a priced model`,
      refusalDetails(job, status, 'unpriced_model'),
    );
  }
  if (fitsBudget(status, job.totals.worstCaseBatchUsd)) return null;
  return new BudgetExceededError(
    `${describeJobWorstCase(job.project, job.totals)}; ${describeBudget(status)}: the job is refused ` +
      `(send fewer inputs, lower max_tokens, or raise the budget with PUT /v1/budgets/${job.project})`,
    refusalDetails(job, status, 'over_budget'),
  );
}

/**
 * Inside the intake transaction, after every input is in: refuses the job when its worst case would take the
 * project past its monthly budget. The advisory lock holds until the transaction ends, so a concurrent submit of
 * the same project checks only after this job is committed (and counted as reserved) or rolled back.
 */
export async function enforceBudget(tx: Sql, job: BudgetCheckJob, now = new Date()): Promise<void> {
  if (job.totals.requests === 0) return;
  if (!(await getBudget(tx, job.project))) return;
  await lockProjectBudget(tx, job.project);
  const status = await budgetStatus(tx, job.project, now);
  const refusal = status && budgetRefusal(job, status);
  if (refusal) throw refusal;
}
