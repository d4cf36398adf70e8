export { createAnthropicProvider } from './anthropic/provider';
export { createAzureProvider } from './azure/provider';
export { awsProvidersWith, createAwsProviders } from './bedrock/provider';
export type { FaultConfig, FaultInput } from './core/fault-schema';
export { jsonSchemaInstance } from './core/json-schema-instance';
export {
  countPromptTokens,
  countTokens,
  echoText,
  embeddingVector,
  generateReply,
  type ModelMessage,
  type ModelReply,
  type ModelRequest,
} from './core/model';
export type { ProviderStats, Stats } from './core/stats';
export { standardSignature, type WebhookAttempt, type WebhookTarget } from './core/webhook-sender';
export { type EmulatorEnv, parseEmulatorEnv } from './env';
export { createGeminiProvider, geminiProviderFactory } from './gemini/provider';
export { createGroqProvider } from './groq/provider';
export { createMistralProvider } from './mistral/provider';
export { MAX_INPUT_BYTES, MAX_REQUESTS } from './openai/batch-plan';
export { createOpenAIProvider } from './openai/provider';
export { DEFAULT_PROVIDERS, type ProviderFactory } from './providers';
export { createEmulatorApp, type EmulatorHandle, type EmulatorOptions, startEmulator } from './server';
export { createTogetherProvider } from './together/provider';
export { createGoogleProviders } from './vertex/google-providers';
