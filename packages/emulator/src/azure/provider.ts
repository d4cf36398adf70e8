import { randomUUID } from 'node:crypto';
import type { EmulatorContext, EmulatorProvider } from '../core/provider';
import { createOpenAIWireProvider } from '../openai/provider';
import { requireAzureAuth } from './auth';
import { AzureTokens, createAzureIdentityProvider } from './identity';
import { azureQueueLimit } from './queue-limit';

export const AZURE_PREFIX = '/azure';

/**
 * Azure OpenAI's batch API (Global and Data Zone Batch) on its v1 surface: OpenAI's Files, Uploads and Batches wire
 * at `/azure/openai/v1`, so that `AZURE_OPENAI_ENDPOINT` is the emulator's `…/azure`. Its own: the `api-key` header
 * or an Entra ID token, Azure's 401s, `apim-request-id`, files `pending` for one step, 100,000 requests a file
 * (`too_many_tasks`), no 24 h `expires_at` (batches keep running), the deployment's enqueued-token quota in Azure's
 * words, and result lines with the content filter's verdicts. Beside it, at `/azure/msi/token`, App Service's managed
 * identity endpoint, which issues the tokens it takes.
 */
export function createAzureProvider(ctx: EmulatorContext): EmulatorProvider[] {
  const tokens = new AzureTokens(ctx.clock);
  const api = createOpenAIWireProvider(ctx, {
    name: 'azure',
    prefix: AZURE_PREFIX,
    mountPath: `${AZURE_PREFIX}/openai/v1`,
    auth: requireAzureAuth(tokens),
    clientEnv: (url) => ({ AZURE_OPENAI_ENDPOINT: `${url}${AZURE_PREFIX}` }),
    requestId: () => ['apim-request-id', randomUUID()],
    fileProcessingMs: ctx.stepMs,
    batches: {
      expiresAt: false,
      maxRequests: { count: 100_000, code: 'too_many_tasks' },
      lineStyle: 'azure',
      queueLimit: (faults) => azureQueueLimit(faults.azureEnqueuedTokenLimit()),
    },
  });
  return [api, createAzureIdentityProvider(ctx, tokens)];
}
