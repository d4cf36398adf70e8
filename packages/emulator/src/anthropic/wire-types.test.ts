import { describe, expect, it } from 'vitest';
// Types only, and only in a test: the emulator does not depend on the SDK.
import type {
  DeletedMessageBatch as SdkDeletedMessageBatch,
  MessageBatchIndividualResponse as SdkIndividualResponse,
  MessageBatch as SdkMessageBatch,
} from '../../../adapters/node_modules/@anthropic-ai/sdk/resources/messages/batches';
import type { ErrorResponse as SdkErrorResponse } from '../../../adapters/node_modules/@anthropic-ai/sdk/resources/shared';
import type {
  DeletedMessageBatch,
  ErrorResponse,
  IndividualResponse,
  RequestErrorType,
  WireMessageBatch,
} from './types';

/** Compiles only while each wire type still fits the SDK's (checked by `tsc`, not at run time). */
function fits<Sdk>() {
  return <Wire extends Sdk>(value?: Wire) => value;
}

describe('wire types', () => {
  it('fit @anthropic-ai/sdk 1.14', () => {
    fits<SdkMessageBatch>()<WireMessageBatch>();
    fits<SdkIndividualResponse>()<IndividualResponse>();
    fits<SdkErrorResponse>()<ErrorResponse<RequestErrorType>>();
    fits<SdkDeletedMessageBatch>()<DeletedMessageBatch>();
    expect(true).toBe(true);
  });
});
