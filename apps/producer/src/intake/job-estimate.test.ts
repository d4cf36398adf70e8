import { loadPricer } from '@tranche/pricing';
import { describe, expect, it } from 'vitest';
import { JobEstimate } from './job-estimate';

const pricer = loadPricer(undefined);

describe("a job's estimate follows its provider's descriptor", () => {
  it.each([
    ['openai', 'gpt-4o-mini', 'o200k_base', 16_384, 'the most gpt-4o-mini can generate'],
    ['openai', 'gpt-4-turbo', 'cl100k_base', 4_096, 'the most gpt-4-turbo can generate'],
    ['anthropic', 'claude-sonnet-4-5', 'approximation', 1024, "Tranche's default max_tokens for Anthropic"],
    ['mistral', 'mistral-small-latest', 'approximation', 128_000, "the model's context window"],
    ['vertex', 'gemini-2.5-flash', 'approximation', 65_536, 'the most gemini-2.5-flash can generate'],
    ['vertex', 'gemini-2.0-flash-001', 'approximation', 8_192, 'the most gemini-2.0-flash-001 can generate'],
  ] as const)(
    '%s %s: %s, %d tokens out at most without max_tokens',
    async (provider, model, tokenizer, max, source) => {
      const estimate = await JobEstimate.create(pricer, { provider, model, kind: 'chat' });
      const request = { system: 'Be brief.', messages: [{ role: 'user' as const, content: 'héllo wörld' }] };
      expect(estimate.totals()).toMatchObject({
        tokenizer,
        defaultMaxOutputTokens: max,
        defaultMaxOutputSource: source,
      });
      expect(estimate.estimate(request).maxOutputTokens).toBe(max);
      expect(estimate.estimate({ ...request, params: { max_tokens: 7 } }).maxOutputTokens).toBe(7);
      if (tokenizer === 'approximation') {
        // UTF-8 bytes / 4 (rounded up) per message, plus 4 per message and 3 to prime the reply.
        expect(estimate.estimate(request).inputTokens).toBe(Math.ceil(9 / 4) + 4 + Math.ceil(13 / 4) + 4 + 3);
      }
    },
  );

  it('approximates every provider when the estimate need not be exact', async () => {
    const estimate = await JobEstimate.create(
      pricer,
      { provider: 'openai', model: 'gpt-4o-mini', kind: 'chat' },
      false,
    );
    expect(estimate.tokenizer).toBe('approximation');
  });
});
