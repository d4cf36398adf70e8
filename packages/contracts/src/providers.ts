/** The providers whose batch APIs Tranche drives: a job's `provider`. */
export const PROVIDERS = ['openai', 'anthropic', 'mistral', 'vertex'] as const;
export type Provider = (typeof PROVIDERS)[number];
