import { type BudgetStatus, budgetStatus, budgetStatuses } from '@tranche/db';
import { decimalToPico, formatUsd } from '@tranche/pricing';
import type { WorkerContext } from '../context';
import { quietly, raiseAlert } from './raise';

const THRESHOLDS = [
  { kind: 'budget_80', percent: 80n },
  { kind: 'budget_100', percent: 100n },
] as const;

/** `85.00%` of the budget, exactly (truncated to hundredths). */
function percentOf(spent: bigint, budget: bigint): string {
  const hundredths = (spent * 10_000n) / budget;
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}%`;
}

/**
 * `budget_80` and `budget_100`: the project's spend this month (the cost of its completed results) reached 80% or
 * 100% of its monthly budget. Once per threshold, project and month.
 */
async function alertOnStatus(ctx: WorkerContext, status: BudgetStatus): Promise<void> {
  const budget = decimalToPico(status.monthly_usd);
  const spent = decimalToPico(status.spent_usd);
  if (spent <= 0n) return;
  for (const { kind, percent } of THRESHOLDS) {
    if (spent * 100n < budget * percent) continue;
    const share = budget > 0n ? ` (${percentOf(spent, budget)})` : '';
    await raiseAlert(ctx, {
      kind,
      dedupeKey: `${kind}:${status.project}:${status.month}`,
      project: status.project,
      message:
        `project ${status.project} has spent ${formatUsd(status.spent_usd)} of its ${formatUsd(status.monthly_usd)} budget ` +
        `for ${status.month}${share}: past ${percent}%`,
      details: {
        month: status.month,
        threshold_percent: Number(percent),
        monthly_usd: status.monthly_usd,
        spent_usd: status.spent_usd,
        reserved_usd: status.reserved_usd,
        committed_usd: status.committed_usd,
      },
    });
  }
}

/** After a batch's results are stored: the project's budget only. */
export async function checkProjectBudget(ctx: WorkerContext, project: string): Promise<void> {
  const status = await budgetStatus(ctx.sql, project);
  if (status) await alertOnStatus(ctx, status);
}

/** On every sweep: every budget, each on its own (one project's failure does not skip the others). */
export async function checkAllBudgets(ctx: WorkerContext): Promise<void> {
  for (const status of await budgetStatuses(ctx.sql, new Date(), 'all')) {
    await quietly(ctx, `budget alert of ${status.project}`, () => alertOnStatus(ctx, status));
  }
}
