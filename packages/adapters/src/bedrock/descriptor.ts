import { DEFAULT_MAX_TOKENS } from '../anthropic/request-params';
import type { ProviderDescriptor } from '../descriptor';
import { bedrockEncoder } from './encoder';
import { bedrockEmulatorEnv, bedrockEnvSchema, bedrockOptionsFromEnv } from './env';
import type { BedrockOptions } from './options';
import { bedrockMaxTokens } from './output-limits';
import { BedrockTransport } from './transport';

export const bedrockDescriptor = {
  name: 'bedrock',
  label: 'AWS Bedrock',
  // Chat: Anthropic Claude models (their Messages body). Embeddings: Amazon Titan Text Embeddings V2.
  kinds: ['chat', 'embedding'],
  // Per job: at most 50,000 records and a 1 GB input file, and at least 100 records (Bedrock's default quotas:
  // "Minimum number of records per batch inference job" and the others in docs/providers/bedrock.md).
  limits: { maxRequests: 50_000, maxBytes: 1_000_000_000, minRequests: 100 },
  // Titan Text Embeddings V2 takes `dimensions` in each record's body.
  embeddingSize: 'request',
  env: {
    schema: bedrockEnvSchema,
    options: bedrockOptionsFromEnv,
    realWhen: ['BEDROCK_ROLE_ARN', 'BEDROCK_S3_BUCKET'],
    realEndpoint: 'https://bedrock.{AWS_REGION}.amazonaws.com and your S3 bucket',
    emulator: bedrockEmulatorEnv,
  },
  encoder: bedrockEncoder,
  params: {
    // Claude's rules, as on Anthropic's own API: current Claude models refuse `temperature` and `top_p` (the
    // Anthropic descriptor says why), and every request needs a `max_tokens`.
    refused: ['temperature', 'top_p'],
    defaultMaxTokens: DEFAULT_MAX_TOKENS,
    maxTokens: bedrockMaxTokens,
  },
  estimate: {
    tokenizer: 'approximation',
    maxOutput: { tokens: DEFAULT_MAX_TOKENS, source: "Tranche's default max_tokens for Claude on Bedrock" },
  },
  demo: { chatModel: 'anthropic.claude-3-5-haiku-20241022-v1:0' },
  createTransport: (options, settings) => new BedrockTransport(options, settings),
} as const satisfies ProviderDescriptor<'bedrock', BedrockOptions>;
