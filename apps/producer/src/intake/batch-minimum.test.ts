import { jobHeaderSchema } from '@tranche/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTAKE_LIMITS } from './limits';
import { InputNormalizer } from './normalize';
import { assertValid, type PreparedIntake } from './submit-job';
import { JobValidationError } from './validation-error';

// AWS Bedrock runs batch inference jobs of 100 records or more (its descriptor's `limits.minRequests`).
function intakeOf(provider: string, model: string, prompts: string[]): PreparedIntake {
  const spec = jobHeaderSchema.parse({
    provider,
    model,
    metadata: { project: 'acme', owner: 'tests', run_id: 'run-1' },
  });
  const normalizer = new InputNormalizer(spec, 'run-1', DEFAULT_INTAKE_LIMITS);
  for (const prompt of prompts) normalizer.add({ prompt });
  // Only the header, its problems and the inputs are read by assertValid.
  return { spec, headerProblems: [], normalizer } as unknown as PreparedIntake;
}

const distinct = (n: number) => Array.from({ length: n }, (_, i) => `prompt ${i}`);
const BEDROCK_MODEL = 'anthropic.claude-3-5-haiku-20241022-v1:0';

describe("intake holds a job to its provider's smallest batch", () => {
  it('refuses a Bedrock job under 100 distinct inputs, naming the field, the minimum and the count', () => {
    let thrown: unknown;
    try {
      assertValid(intakeOf('bedrock', BEDROCK_MODEL, distinct(42)));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(JobValidationError);
    expect((thrown as JobValidationError).problems).toEqual([
      {
        field: 'inputs',
        message: 'AWS Bedrock runs batches of at least 100 requests; this job has 42 distinct inputs',
      },
    ]);
  });

  it('counts duplicates once: 120 inputs holding 60 distinct requests are too few', () => {
    const prompts = [...distinct(60), ...distinct(60)];
    expect(() => assertValid(intakeOf('bedrock', BEDROCK_MODEL, prompts))).toThrow(
      /this job has 60 distinct inputs/,
    );
  });

  it('takes a Bedrock job of 100 inputs, and a small job on a provider with no minimum', () => {
    expect(() => assertValid(intakeOf('bedrock', BEDROCK_MODEL, distinct(100)))).not.toThrow();
    expect(() => assertValid(intakeOf('openai', 'gpt-4o-mini', distinct(1)))).not.toThrow();
  });
});
