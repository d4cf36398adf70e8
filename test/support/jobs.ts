import type { Provider } from '@tranche/adapters';

export function chatJob(
  count: number,
  overrides: Record<string, unknown> = {},
  inputOf?: (i: number) => Record<string, unknown>,
) {
  return {
    provider: 'openai' as Provider,
    model: 'gpt-4o-mini',
    inputs: Array.from(
      { length: count },
      (_, i) => inputOf?.(i) ?? { id: `doc-${i}`, prompt: `Summarise document number ${i}.` },
    ),
    metadata: { project: 'e2e', owner: 'tests' },
    ...overrides,
  };
}

/** N = M + K + P, and each count is what the report says it is. */
export function expectReconciled(report: {
  submitted: number;
  succeeded: number;
  failed: number;
  pending: number;
  failed_by_reason: Record<string, number>;
}): void {
  const failed_by_reason = Object.values(report.failed_by_reason).reduce((a, b) => a + b, 0);
  if (
    report.submitted !== report.succeeded + report.failed + report.pending ||
    failed_by_reason !== report.failed
  ) {
    throw new Error(`reconciliation does not add up: ${JSON.stringify(report)}`);
  }
}
