import {
  type BudgetStatus,
  budgetStatuses,
  type CostFigures,
  type CostGroup,
  costSummary,
  type DailyCosts,
  dailyCostsByProject,
  type JobCostLine,
  type ProjectScope,
  partlyFailedJobCosts,
  runningJobCosts,
  type Sql,
  troubledJobCosts,
  type UnpricedModel,
  unpricedModels,
} from '@tranche/db';
import { decimalToPico } from '@tranche/pricing';
import { parseWindow, WINDOW_PRESETS, type WindowPreset } from '../costs/cost-query';

export interface WindowCosts {
  from: string;
  to: string;
  totals: CostFigures;
  by_project: CostGroup[];
  by_provider: CostGroup[];
  /** Grouped by provider and model: a model name is only unique within its provider. */
  by_model: CostGroup[];
}

export type BudgetLine = BudgetStatus & { over_budget: boolean };

/** Everything the dashboard page shows, computed at one instant. */
export interface DashboardData {
  generated_at: string;
  windows: Record<WindowPreset, WindowCosts>;
  daily: DailyCosts;
  running_jobs: JobCostLine[];
  /** Jobs that ended failed, timed out or cancelled in the last 7 days. */
  troubled_jobs: JobCostLine[];
  /** Jobs that ended with some of their requests failed (completed_with_failures) in the last 7 days. */
  finished_with_failures: JobCostLine[];
  /** The scope's projects with a budget, this calendar month (UTC); over_budget when committed spend exceeds it. */
  budgets: BudgetLine[];
  /** Models with unpriced results in the last 30 days. */
  unpriced_models: UnpricedModel[];
}

const WEEK_MS = WINDOW_PRESETS['7d'];

async function windowCosts(
  sql: Sql,
  scope: ProjectScope,
  preset: WindowPreset,
  now: Date,
): Promise<WindowCosts> {
  const window = { ...parseWindow(preset, now), scope };
  const [byProject, byProvider, byModel] = await Promise.all([
    costSummary(sql, { ...window, groupBy: ['project'] }),
    costSummary(sql, { ...window, groupBy: ['provider'] }),
    costSummary(sql, { ...window, groupBy: ['provider', 'model'] }),
  ]);
  return {
    ...byProject.window,
    totals: byProject.totals,
    by_project: byProject.groups,
    by_provider: byProvider.groups,
    by_model: byModel.groups,
  };
}

/** The dashboard of the scope's projects: every figure, list and budget leaves the others out. */
export async function loadDashboard(sql: Sql, scope: ProjectScope, now = new Date()): Promise<DashboardData> {
  const presets = Object.keys(WINDOW_PRESETS) as WindowPreset[];
  const weekAgo = new Date(now.getTime() - WEEK_MS);
  const [windows, daily, running, troubled, partlyFailed, budgets, unpriced] = await Promise.all([
    Promise.all(presets.map((preset) => windowCosts(sql, scope, preset, now))),
    dailyCostsByProject(sql, { days: 30, now, scope }),
    runningJobCosts(sql, { scope }),
    troubledJobCosts(sql, { since: weekAgo, scope }),
    partlyFailedJobCosts(sql, { since: weekAgo, scope }),
    budgetStatuses(sql, now, scope),
    unpricedModels(sql, { ...parseWindow('30d', now), scope }),
  ]);
  return {
    generated_at: now.toISOString(),
    windows: Object.fromEntries(presets.map((preset, i) => [preset, windows[i]!])) as Record<
      WindowPreset,
      WindowCosts
    >,
    daily,
    running_jobs: running,
    troubled_jobs: troubled,
    finished_with_failures: partlyFailed,
    budgets: budgets.map((budget) => ({
      ...budget,
      over_budget: decimalToPico(budget.committed_usd) > decimalToPico(budget.monthly_usd),
    })),
    unpriced_models: unpriced,
  };
}
