import type { ProviderDescriptor } from '../descriptor';
import { anthropicEncoder } from './encoder';
import { anthropicEmulatorEnv, anthropicEnvSchema, anthropicOptionsFromEnv } from './env';
import { claudeMaxTokens } from './output-limits';
import { ANTHROPIC_QUEUED_REQUESTS } from './queue-limits';
import { DEFAULT_MAX_TOKENS } from './request-params';
import { type AnthropicOptions, AnthropicTransport } from './transport';

export const anthropicDescriptor = {
  name: 'anthropic',
  label: 'Anthropic',
  kinds: ['chat'],
  limits: { maxRequests: 100_000, maxBytes: 256_000_000, inFlight: ANTHROPIC_QUEUED_REQUESTS },
  embeddingSize: null,
  env: {
    schema: anthropicEnvSchema,
    options: anthropicOptionsFromEnv,
    realWhen: ['ANTHROPIC_API_KEY'],
    realEndpoint: 'https://api.anthropic.com',
    emulator: anthropicEmulatorEnv,
  },
  encoder: anthropicEncoder,
  params: {
    // Messages API version 2026-10-21 (what @anthropic-ai/sdk 1.x sends) rejects both on every model.
    refused: ['temperature', 'top_p'],
    defaultMaxTokens: DEFAULT_MAX_TOKENS,
    // Up to 300K for the models the output-300k beta covers (the transport then sends it), else the model's own.
    maxTokens: claudeMaxTokens,
  },
  estimate: {
    tokenizer: 'approximation',
    maxOutput: { tokens: DEFAULT_MAX_TOKENS, source: "Tranche's default max_tokens for Anthropic" },
  },
  demo: { chatModel: 'claude-sonnet-4-5' },
  createTransport: (options, settings) => new AnthropicTransport(options, settings),
} as const satisfies ProviderDescriptor<'anthropic', AnthropicOptions>;
