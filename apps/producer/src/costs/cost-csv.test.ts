import type { CostFigures } from '@tranche/db';
import { describe, expect, it } from 'vitest';
import { costSummaryCsv } from './cost-csv';

const figures = (cost: string): CostFigures => ({
  cost_usd: cost,
  sync_cost_usd: '2.000000000000',
  savings_usd: '1.000000000000',
  input_tokens: 1000,
  output_tokens: 10,
  cached_tokens: 0,
  results: 3,
  succeeded: 2,
  failed: 1,
  unpriced_results: 0,
});

describe('costSummaryCsv', () => {
  it('quotes separators and quotes, defuses formulas, and leaves a missing tag empty', () => {
    const csv = costSummaryCsv({
      window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' },
      group_by: ['project', 'environment'],
      totals: figures('3.000000000000'),
      groups: [
        { project: 'a,b "c"', environment: null, ...figures('2.000000000000') },
        { project: '=HYPERLINK("x")', environment: 'prod', ...figures('1.000000000000') },
      ],
    });
    expect(csv.split('\r\n')).toEqual([
      'project,environment,cost_usd,sync_cost_usd,savings_usd,input_tokens,output_tokens,cached_tokens,results,' +
        'succeeded,failed,unpriced_results',
      '"a,b ""c""",,2.000000000000,2.000000000000,1.000000000000,1000,10,0,3,2,1,0',
      `"'=HYPERLINK(""x"")",prod,1.000000000000,2.000000000000,1.000000000000,1000,10,0,3,2,1,0`,
      '',
    ]);
  });
});
