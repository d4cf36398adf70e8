import type * as SdkErrors from '@mistralai/mistralai/models/errors';
import { classifyCallError, ProviderCallError } from '../errors';

/** The SDK's error classes, loaded with the SDK (MistralAdapter's load()): until then no call could throw one. */
let sdkErrors: typeof SdkErrors | undefined;

export async function loadMistralErrors(): Promise<void> {
  sdkErrors ??= await import('@mistralai/mistralai/models/errors');
}

/**
 * `classifyCallError` reads `status`; Mistral's errors carry `statusCode` (and the raw body in the message).
 * A ResponseValidationError is a MistralError with status 200 (a malformed answer): retryable, like a glitch.
 * An SDKValidationError is our own input the SDK refused: trying again cannot help.
 */
export function mistralCallError(error: unknown): ProviderCallError {
  if (sdkErrors && error instanceof sdkErrors.MistralError) {
    return classifyCallError(
      'mistral',
      Object.assign(new Error(error.message), { status: error.statusCode }),
    );
  }
  if (sdkErrors && error instanceof sdkErrors.SDKValidationError) {
    return new ProviderCallError(`mistral: ${error.message}`, null, false);
  }
  return classifyCallError('mistral', error);
}
