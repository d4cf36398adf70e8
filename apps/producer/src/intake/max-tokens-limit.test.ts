import { jobHeaderSchema } from '@tranche/contracts';
import type { BudgetStatus } from '@tranche/db';
import { loadPricer } from '@tranche/pricing';
import { describe, expect, it } from 'vitest';
import { budgetRefusal } from './budget-check';
import { JobEstimate } from './job-estimate';
import { DEFAULT_INTAKE_LIMITS } from './limits';
import { InputNormalizer, normalizeHeader } from './normalize';

const DEFAULTS = { pollIntervalS: 60, timeoutH: 24, maxAttempts: 3 };

function header(model: string, defaultMaxTokens?: number) {
  return jobHeaderSchema.parse({
    provider: 'anthropic',
    model,
    ...(defaultMaxTokens === undefined ? {} : { defaults: { params: { max_tokens: defaultMaxTokens } } }),
    metadata: { project: 'acme', owner: 'tests', run_id: 'run-1' },
  });
}

function problemsOf(model: string, inputMaxTokens: number) {
  const normalizer = new InputNormalizer(header(model), 'run-1', DEFAULT_INTAKE_LIMITS);
  normalizer.add({ prompt: 'x', params: { max_tokens: inputMaxTokens } });
  return normalizer.problems;
}

describe("intake holds an Anthropic request's max_tokens to what its model can generate in a batch", () => {
  it('takes up to 300K on a model the output-300k beta covers, and no more', () => {
    expect(problemsOf('claude-opus-4-6', 300_000)).toEqual([]);
    expect(problemsOf('claude-opus-4-6', 300_001)).toEqual([
      {
        field: 'inputs[0].params.max_tokens',
        message: expect.stringContaining(
          '300001 is over 300000, the most anthropic takes for claude-opus-4-6',
        ),
      },
    ]);
  });

  it("refuses more than the synchronous limit on a model the beta does not cover, naming the model's limit", () => {
    expect(problemsOf('claude-haiku-4-5', 64_000)).toEqual([]);
    const [problem] = problemsOf('claude-haiku-4-5', 200_000);
    expect(problem?.field).toBe('inputs[0].params.max_tokens');
    expect(problem?.message).toContain('200000 is over 64000, the most anthropic takes for claude-haiku-4-5');
    expect(problem?.message).toContain('output-300k-2026-03-24 beta does not apply');
  });

  it("checks the job's default max_tokens once, with the header", () => {
    const { problems } = normalizeHeader(
      header('claude-haiku-4-5', 100_000),
      DEFAULTS,
      DEFAULT_INTAKE_LIMITS,
    );
    expect(problems).toEqual([
      { field: 'defaults.params.max_tokens', message: expect.stringContaining('100000 is over 64000') },
    ]);
    expect(
      normalizeHeader(header('claude-opus-4-6', 200_000), DEFAULTS, DEFAULT_INTAKE_LIMITS).problems,
    ).toEqual([]);
  });

  it('holds a model Tranche does not list to the largest synchronous limit (no beta is sent for it)', () => {
    expect(problemsOf('claude-opus-9', 128_000)).toEqual([]);
    expect(problemsOf('claude-opus-9', 128_001)[0]?.message).toContain('not in Tranche');
  });
});

describe('the budget reserves what a 300K-output request can cost', () => {
  const pricer = loadPricer(undefined);
  const status = (monthly: string): BudgetStatus => ({
    project: 'acme',
    monthly_usd: monthly,
    month: '2026-12',
    spent_usd: '0.000000000000',
    reserved_usd: '0.000000000000',
    committed_usd: '0.000000000000',
    remaining_usd: monthly,
  });

  it("counts the requested max_tokens at batch output rates, not the model's synchronous limit", async () => {
    const estimate = await JobEstimate.create(pricer, {
      provider: 'anthropic',
      model: 'claude-opus-4-6',
      kind: 'chat',
    });
    const request = { messages: [{ role: 'user' as const, content: 'Write the whole report.' }] };
    estimate.add({ ...request, params: { max_tokens: 200_000 } });
    estimate.add({
      ...request,
      messages: [{ role: 'user', content: 'And the appendix.' }],
      params: { max_tokens: 300_000 },
    });
    const totals = estimate.totals();
    expect(totals.maxOutputTokens).toBe(500_000);
    expect(totals.maxTokensRange).toEqual([200_000, 300_000]);
    // claude-opus-4-6: $25 per million output tokens, half in a batch: 500,000 tokens are $6.25 of output.
    const inputUsd = Number(totals.inputBatchUsd);
    expect(inputUsd).toBeGreaterThan(0);
    expect(Number(totals.worstCaseBatchUsd)).toBeCloseTo(6.25 + inputUsd, 9);

    const job = { project: 'acme', provider: 'anthropic', model: 'claude-opus-4-6', totals };
    expect(budgetRefusal(job, status('6.250000000000'))?.message).toContain('max_tokens 200,000 to 300,000');
    expect(budgetRefusal(job, status('6.300000000000'))).toBeNull();
  });
});
