import type { BudgetView } from '@tranche/client';
import type { Command } from 'commander';
import { clientFor } from '../client-options.js';
import { EXIT } from '../exit-codes.js';
import { printJson, printLine, table, usd } from '../output.js';
import { runAction } from '../run-action.js';

function budgetRow(budget: BudgetView): string[] {
  const { status } = budget;
  return [
    budget.project,
    usd(budget.monthly_usd),
    status.month,
    usd(status.spent_usd),
    usd(status.reserved_usd),
    usd(status.remaining_usd),
  ];
}

const printBudgets = (budgets: BudgetView[]) =>
  printLine(table(['project', 'monthly', 'month', 'spent', 'reserved', 'remaining'], budgets.map(budgetRow)));

export function registerBudgets(program: Command): void {
  const budgets = program
    .command('budgets')
    .summary('monthly budgets per project: list (default), set, delete (admins)');
  budgets
    .command('list', { isDefault: true })
    .summary("the budgets of the key's projects and where each stands this month")
    .action((_options: unknown, command: Command) =>
      runAction(command, async (global) => {
        const list = await clientFor(global).budgets.list();
        if (global.json) printJson(list);
        else printBudgets(list.budgets);
        return EXIT.ok;
      }),
    );
  budgets
    .command('set')
    .summary("set a project's monthly budget in USD (admins)")
    .argument('<project>')
    .argument('<usd>', 'e.g. 250 or 99.50')
    .action((project: string, amount: string, _options: unknown, command: Command) =>
      runAction(command, async (global) => {
        const budget = await clientFor(global).budgets.set(project, { monthly_usd: amount });
        if (global.json) printJson(budget);
        else printBudgets([budget]);
        return EXIT.ok;
      }),
    );
  budgets
    .command('delete')
    .summary("remove a project's budget (admins)")
    .argument('<project>')
    .action((project: string, _options: unknown, command: Command) =>
      runAction(command, async (global) => {
        await clientFor(global).budgets.delete(project);
        if (global.json) printJson({ project, deleted: true });
        else printLine(`budget of ${project} deleted`);
        return EXIT.ok;
      }),
    );
}
