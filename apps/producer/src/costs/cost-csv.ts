import type { CostFigures, CostSummary } from '@tranche/db';

const FIGURES: Array<keyof CostFigures> = [
  'cost_usd',
  'sync_cost_usd',
  'savings_usd',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'results',
  'succeeded',
  'failed',
  'unpriced_results',
];

/**
 * A tag as a CSV field: quoted when it holds a separator, a quote or a line break, and with a leading `'` when a
 * spreadsheet would take it for a formula (a project named `=HYPERLINK(...)`).
 */
function textField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * The groups of a cost summary as CSV: a header row, then one row per group (a job with no environment gives an
 * empty field). The totals are not a row: with no group_by the single row is the total, otherwise they are the sum
 * of each column.
 */
export function costSummaryCsv(summary: CostSummary): string {
  const header = [...summary.group_by, ...FIGURES];
  const rows = summary.groups.map((group) => [
    ...summary.group_by.map((key) => textField(group[key])),
    ...FIGURES.map((figure) => String(group[figure])),
  ]);
  return `${[header, ...rows].map((row) => row.join(',')).join('\r\n')}\r\n`;
}
