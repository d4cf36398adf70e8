import { z } from 'zod';
import { anthropicDescriptor } from './anthropic/descriptor';
import { azureDescriptor } from './azure/descriptor';
import { bedrockDescriptor } from './bedrock/descriptor';
import type { ProviderDescriptor } from './descriptor';
import { geminiDescriptor } from './gemini/descriptor';
import { groqDescriptor } from './groq/descriptor';
import { mistralDescriptor } from './mistral/descriptor';
import { openAIDescriptor } from './openai/descriptor';
import { togetherDescriptor } from './together/descriptor';
import { PROVIDERS, type Provider } from './types';
import { vertexDescriptor } from './vertex/descriptor';

/**
 * Every provider, by the name `@tranche/contracts` lists it under: a name without a descriptor, or a descriptor
 * without a name, fails typecheck. Adding a provider is its folder plus one line here.
 */
export const DESCRIPTORS = {
  openai: openAIDescriptor,
  anthropic: anthropicDescriptor,
  mistral: mistralDescriptor,
  vertex: vertexDescriptor,
  azure: azureDescriptor,
  gemini: geminiDescriptor,
  together: togetherDescriptor,
  groq: groqDescriptor,
  bedrock: bedrockDescriptor,
} satisfies { [P in Provider]: ProviderDescriptor<P> };

export function descriptorOf(provider: Provider): ProviderDescriptor {
  return DESCRIPTORS[provider];
}

/** Every provider's descriptor, in the order `PROVIDERS` lists them. */
export const ALL_DESCRIPTORS: readonly ProviderDescriptor[] = PROVIDERS.map(descriptorOf);

type Descriptors = typeof DESCRIPTORS;
type UnionToIntersection<U> = (U extends unknown ? (union: U) => void : never) extends (
  intersection: infer I,
) => void
  ? I
  : never;
/** Every provider's variables in one shape, each typed as its provider's schema types it. */
type ProviderEnvShape = UnionToIntersection<Descriptors[keyof Descriptors]['env']['schema']['shape']>;

function providerEnvShape(): ProviderEnvShape {
  const shape = {};
  for (const descriptor of ALL_DESCRIPTORS) Object.assign(shape, descriptor.env.schema.shape);
  return shape as ProviderEnvShape;
}

/** What a worker reads to reach the providers: each provider's own variables, and what all of them share. */
export const providerEnvSchema = z.object({
  ...providerEnvShape(),
  /** A result download that sends no byte for this long is abandoned and retried; unset, 120 s (the adapters'). */
  RESULT_DOWNLOAD_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
});
export type ProviderEnv = z.infer<typeof providerEnvSchema>;
