/**
 * The providers whose batch APIs Tranche drives: a job's `provider`. Each has its descriptor in @tranche/adapters
 * (`DESCRIPTORS`, which fails typecheck without it) and its block in @tranche/pricing's prices.json.
 */
export const PROVIDERS = [
  'openai',
  'anthropic',
  'mistral',
  'vertex',
  'azure',
  'gemini',
  'together',
  'groq',
  'bedrock',
] as const;
export type Provider = (typeof PROVIDERS)[number];
