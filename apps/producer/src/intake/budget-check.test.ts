import type { BudgetStatus } from '@tranche/db';
import { describe, expect, it } from 'vitest';
import { describeJobWorstCase, fitsBudget } from './budget-check';
import type { EstimateTotals } from './job-estimate';

const totals = (overrides: Partial<EstimateTotals>): EstimateTotals => ({
  tokenizer: 'o200k_base',
  requests: 1000,
  inputTokens: 250_000,
  maxOutputTokens: 512_000,
  maxTokensRange: [512, 512],
  withoutMaxTokens: 0,
  defaultMaxOutputTokens: 16_384,
  defaultMaxOutputSource: 'the most gpt-4o-mini can generate',
  priced: true,
  priceVersion: 'v1',
  inputBatchUsd: '0.018750000000',
  worstCaseBatchUsd: '12.340000000000',
  worstCaseSyncUsd: '24.680000000000',
  ...overrides,
});

const status = (committed: string, monthly: string): BudgetStatus => ({
  project: 'acme',
  monthly_usd: monthly,
  month: '2026-11',
  spent_usd: committed,
  reserved_usd: '0.000000000000',
  committed_usd: committed,
  remaining_usd: '0.000000000000',
});

describe('describeJobWorstCase', () => {
  it('gives the inputs, the input tokens and max_tokens', () => {
    expect(describeJobWorstCase('acme', totals({}))).toBe(
      'project acme: this job can cost up to $12.34 at batch rates (1,000 inputs, 250,000 input tokens ' +
        'estimated, max_tokens 512)',
    );
  });

  it("says when the model's limit was assumed for inputs without max_tokens", () => {
    const text = describeJobWorstCase(
      'acme',
      totals({ maxTokensRange: [256, 16_384], withoutMaxTokens: 10 }),
    );
    expect(text).toContain(
      'max_tokens 256 to 16,384, max_tokens 16,384 assumed where none is set (the most gpt-4o-mini can ' +
        'generate; set params.max_tokens to bound it)',
    );
  });
});

describe('fitsBudget', () => {
  it('fits up to the budget exactly, never an unpriced job, always a job that costs nothing', () => {
    expect(fitsBudget(status('87.660000000000', '100.000000'), '12.340000000000')).toBe(true);
    expect(fitsBudget(status('87.660000000001', '100.000000'), '12.340000000000')).toBe(false);
    expect(fitsBudget(status('0', '100'), null)).toBe(false);
    expect(fitsBudget(status('500', '100'), '0.000000000000')).toBe(true);
  });
});
