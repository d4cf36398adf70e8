// Types only, and only in a test: the emulator's code does not depend on the SDK (a devDependency here).
import type {
  DeletedMessageBatch as SdkDeletedMessageBatch,
  MessageBatchIndividualResponse as SdkIndividualResponse,
  MessageBatch as SdkMessageBatch,
} from '@anthropic-ai/sdk/resources/messages/batches';
import type { ErrorResponse as SdkErrorResponse } from '@anthropic-ai/sdk/resources/shared';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  DeletedMessageBatch,
  ErrorResponse,
  IndividualResponse,
  RequestErrorType,
  WireMessageBatch,
} from './types';

// `expectTypeOf` does nothing at run time: these assertions are enforced by `tsc` (`pnpm typecheck`, which
// CI runs over this file through the emulator's tsconfig), where a wire type that stops fitting the SDK's
// type is a compile error. `vitest run` alone passes either way.
describe('wire types', () => {
  it('fit @anthropic-ai/sdk 1.14', () => {
    expectTypeOf<WireMessageBatch>().toExtend<SdkMessageBatch>();
    expectTypeOf<IndividualResponse>().toExtend<SdkIndividualResponse>();
    expectTypeOf<ErrorResponse<RequestErrorType>>().toExtend<SdkErrorResponse>();
    expectTypeOf<DeletedMessageBatch>().toExtend<SdkDeletedMessageBatch>();
  });
});
