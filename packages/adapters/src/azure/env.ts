import { url } from '@tranche/config';
import { z } from 'zod';
import type { AzureOpenAIOptions } from './client';

export const azureEnvSchema = z.object({
  /** The Azure OpenAI resource's base URL (`https://<resource>.openai.azure.com`); `/openai/v1` is appended. */
  AZURE_OPENAI_ENDPOINT: url(['http:', 'https:']).optional(),
  /** The resource's key. Unset (or empty), calls carry a Microsoft Entra ID token from `DefaultAzureCredential`. */
  AZURE_OPENAI_API_KEY: z.string().optional(),
});
export type AzureEnv = z.infer<typeof azureEnvSchema>;

/**
 * The endpoint is what makes a worker serve Azure; the key only chooses how it signs in. Without one it signs in with
 * Entra ID, whose own variables (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, …) `@azure/identity` reads, not this schema.
 */
export function azureOptionsFromEnv(env: AzureEnv): { options: AzureOpenAIOptions } | { missing: string } {
  const endpoint = env.AZURE_OPENAI_ENDPOINT?.trim();
  if (!endpoint) return { missing: 'AZURE_OPENAI_ENDPOINT' };
  const apiKey = env.AZURE_OPENAI_API_KEY?.trim();
  return { options: { endpoint, auth: apiKey ? { kind: 'key', apiKey } : { kind: 'entra' } } };
}

/**
 * The emulator, reached with a key. A token would need `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` in the process's own
 * environment, where `DefaultAzureCredential` reads them; the settings handed to a worker do not reach it.
 */
export function azureEmulatorEnv(emulatorUrl: string): Record<string, string> {
  return {
    AZURE_OPENAI_API_KEY: 'azure-emulator-not-a-secret',
    AZURE_OPENAI_ENDPOINT: `${emulatorUrl}/azure`,
  };
}
