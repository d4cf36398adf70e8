import { createAnthropicProvider } from './anthropic/provider';
import { createAzureProvider } from './azure/provider';
import { createAwsProviders } from './bedrock/provider';
import type { EmulatorContext, EmulatorProvider } from './core/provider';
import { createGeminiProvider } from './gemini/provider';
import { createGroqProvider } from './groq/provider';
import { createMistralProvider } from './mistral/provider';
import { createOpenAIProvider } from './openai/provider';
import { createTogetherProvider } from './together/provider';
import { createGoogleProviders } from './vertex/google-providers';

/** Builds one provider's routes (or several that share state, like Vertex and the GCS it reads and writes). */
export type ProviderFactory = (ctx: EmulatorContext) => EmulatorProvider | EmulatorProvider[];

export const DEFAULT_PROVIDERS: ProviderFactory[] = [
  createOpenAIProvider,
  createAnthropicProvider,
  createMistralProvider,
  createGoogleProviders,
  createAzureProvider,
  createGeminiProvider,
  createGroqProvider,
  createTogetherProvider,
  createAwsProviders,
];
