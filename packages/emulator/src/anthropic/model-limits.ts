/**
 * What the Messages API lets a batch request ask for in `max_tokens`, by model: the "Max output" of Anthropic's
 * models overview (synchronous Messages API), and 300K on the Message Batches API for the models its note lists when
 * the create call carries the `output-300k-2026-03-24` beta. Kept here rather than taken from the adapters: the
 * emulator stands for the provider, so a mistake in Tranche's table shows up as a refused request in tests.
 */
export const OUTPUT_300K_BETA = 'output-300k-2026-03-24';
const OUTPUT_300K_TOKENS = 300_000;

interface ModelLimit {
  synchronous: number;
  output300k: boolean;
}

const MODELS: Record<string, ModelLimit> = {
  'claude-opus-5': { synchronous: 128_000, output300k: true },
  'claude-sonnet-5': { synchronous: 128_000, output300k: true },
  'claude-opus-4-8': { synchronous: 128_000, output300k: true },
  'claude-opus-4-7': { synchronous: 128_000, output300k: true },
  'claude-opus-4-6': { synchronous: 128_000, output300k: true },
  'claude-sonnet-4-6': { synchronous: 128_000, output300k: true },
  'claude-haiku-5-5': { synchronous: 128_000, output300k: true },
  'claude-fable-5-1': { synchronous: 128_000, output300k: false },
  'claude-mythos-5-1': { synchronous: 128_000, output300k: false },
  'claude-fable-5': { synchronous: 128_000, output300k: false },
  'claude-haiku-4-5': { synchronous: 64_000, output300k: false },
  'claude-sonnet-4-5': { synchronous: 64_000, output300k: false },
  'claude-opus-4-5': { synchronous: 64_000, output300k: false },
};

/** The beta names a create call's `anthropic-beta` header lists: comma-separated, as the SDK joins `betas`. */
export function parseBetas(header: string | undefined): Set<string> {
  return new Set(
    (header ?? '')
      .split(',')
      .map((beta) => beta.trim())
      .filter((beta) => beta !== ''),
  );
}

/**
 * The most `max_tokens` a request of `model` may ask for in a batch created with (or without) the 300K beta. A
 * model the table does not know is held to 300K only: the emulator runs any model name.
 */
export function maxTokensLimit(model: string, output300k: boolean): number {
  const limit = MODELS[model.replace(/-\d{8}$/, '')];
  if (!limit) return OUTPUT_300K_TOKENS;
  return output300k && limit.output300k ? OUTPUT_300K_TOKENS : limit.synchronous;
}
