import { MistralError, SDKValidationError } from '@mistralai/mistralai/models/errors';
import { classifyCallError, ProviderCallError } from '../errors';

/**
 * `classifyCallError` reads `status`; Mistral's errors carry `statusCode` (and the raw body in the message).
 * A ResponseValidationError is a MistralError with status 200 (a malformed answer): retryable, like a glitch.
 * An SDKValidationError is our own input the SDK refused: trying again cannot help.
 */
export function mistralCallError(error: unknown): ProviderCallError {
  if (error instanceof MistralError) {
    return classifyCallError(
      'mistral',
      Object.assign(new Error(error.message), { status: error.statusCode }),
    );
  }
  if (error instanceof SDKValidationError) {
    return new ProviderCallError(`mistral: ${error.message}`, null, false);
  }
  return classifyCallError('mistral', error);
}
