import type { CostSummary } from '@tranche/client';
import { type Command, InvalidArgumentError } from 'commander';
import { clientFor } from '../client-options.js';
import { EXIT } from '../exit-codes.js';
import { count, printJson, printLine, table, usd } from '../output.js';
import { runAction } from '../run-action.js';

interface CostsOptions {
  window?: string;
  from?: string;
  to?: string;
  groupBy?: string;
  csv?: boolean;
}

/** The API's `window`: a preset, or `<from>..<to>` from --from/--to (to defaults to now). */
export function costWindow(options: CostsOptions, now = new Date()): string | undefined {
  if (options.from === undefined && options.to === undefined) return options.window;
  if (options.window !== undefined)
    throw new InvalidArgumentError('give either --window or --from/--to, not both');
  if (options.from === undefined) throw new InvalidArgumentError('--to needs --from');
  return `${options.from}..${options.to ?? now.toISOString()}`;
}

function printSummary(summary: CostSummary): void {
  printLine(`costs from ${summary.window.from} to ${summary.window.to}`);
  const keys = summary.group_by;
  const rows = summary.groups.map((group) => [
    ...keys.map((key) => (group as Record<string, unknown>)[key]?.toString() ?? '-'),
    usd(group.cost_usd),
    usd(group.sync_cost_usd),
    usd(group.savings_usd),
    count(group.results),
    count(group.failed),
    count(group.unpriced_results),
  ]);
  printLine(table([...keys, 'cost', 'sync-equivalent', 'saved', 'results', 'failed', 'unpriced'], rows));
  const { totals } = summary;
  if (keys.length > 0)
    printLine(
      `total ${usd(totals.cost_usd)} (sync-equivalent ${usd(totals.sync_cost_usd)}, saved ${usd(totals.savings_usd)}), ${count(totals.results)} results`,
    );
}

export function registerCosts(program: Command): void {
  program
    .command('costs')
    .summary('cost, sync-equivalent cost and savings over a window, grouped')
    .option('--window <window>', '24h, 7d, 30d (default) or <ISO from>..<ISO to>')
    .option('--from <date>', 'start of the window (ISO date or date-time with zone), instead of --window')
    .option('--to <date>', 'end of the window (exclusive; default now), with --from')
    .option('--group-by <keys>', 'comma-separated among project, owner, environment, provider, model')
    .option('--csv', 'print the API’s CSV (a header row, then one row per group)')
    .action((options: CostsOptions, command: Command) =>
      runAction(command, async (global) => {
        const client = clientFor(global);
        const window = costWindow(options);
        const query = {
          ...(window ? { window } : {}),
          ...(options.groupBy ? { group_by: options.groupBy } : {}),
        };
        if (options.csv) {
          process.stdout.write(await client.costsCsv(query));
          return EXIT.ok;
        }
        const summary = await client.costs(query);
        if (global.json) printJson(summary);
        else printSummary(summary);
        return EXIT.ok;
      }),
    );
}
