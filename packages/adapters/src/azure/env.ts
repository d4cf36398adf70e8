import { url } from '@tranche/config';
import { z } from 'zod';
import type { AzureOpenAIOptions } from './client';

export const azureEnvSchema = z.object({
  /** The Azure OpenAI resource's base URL (`https://<resource>.openai.azure.com`); `/openai/v1` is appended. */
  AZURE_OPENAI_ENDPOINT: url(['http:', 'https:']).optional(),
  AZURE_OPENAI_API_KEY: z.string().optional(),
});
export type AzureEnv = z.infer<typeof azureEnvSchema>;

export function azureOptionsFromEnv(env: AzureEnv): { options: AzureOpenAIOptions } | { missing: string } {
  if (!env.AZURE_OPENAI_ENDPOINT) return { missing: 'AZURE_OPENAI_ENDPOINT' };
  if (!env.AZURE_OPENAI_API_KEY) return { missing: 'AZURE_OPENAI_API_KEY' };
  return { options: { endpoint: env.AZURE_OPENAI_ENDPOINT, apiKey: env.AZURE_OPENAI_API_KEY } };
}

export function azureEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    AZURE_OPENAI_API_KEY: 'azure-emulator-not-a-secret',
    AZURE_OPENAI_ENDPOINT: `${emulatorUrl}/azure`,
  };
}
