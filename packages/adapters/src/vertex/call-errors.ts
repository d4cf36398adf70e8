import { classifyCallError, type ProviderCallError } from '../errors';

/**
 * `@google/genai` errors carry `status`; `@google-cloud/storage` errors carry the HTTP status as a numeric `code`.
 * Give both to the shared classifier in the form it reads.
 */
export function vertexCallError(error: unknown): ProviderCallError {
  const record = error as { status?: unknown; code?: unknown } | null;
  if (record && typeof record.status !== 'number' && typeof record.code === 'number') {
    const code = record.code;
    if (code >= 100 && code < 600) {
      const wrapped = Object.assign(new Error(error instanceof Error ? error.message : String(error)), {
        status: code,
      });
      return classifyCallError('vertex', wrapped);
    }
  }
  return classifyCallError('vertex', error);
}
