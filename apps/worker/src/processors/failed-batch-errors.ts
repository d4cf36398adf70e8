import type { BatchRow, StoredError } from '@tranche/db';

/** Why the provider failed a whole batch, as recorded by the poll. */
export type BatchFailure = NonNullable<BatchRow['failures']>[number];

const NO_REASON = 'the provider failed the batch';

/**
 * The inputs a failed batch names, by custom id: each line the provider blamed (1-based, in request-file order)
 * fails for good with the provider's own code. A failure without a line, or with one outside the file, blames
 * nobody. Two failures on one line: the last one counts.
 */
function blamedInputs(failures: readonly BatchFailure[], fileOrder: readonly string[]) {
  const blamed = new Map<string, StoredError>();
  for (const failure of failures) {
    const customId = failure.line ? fileOrder[failure.line - 1] : undefined;
    if (!customId) continue;
    blamed.set(customId, {
      type: 'invalid_request',
      code: failure.code,
      message: failure.message,
      retryable: false,
    });
  }
  return blamed;
}

/** What befalls an input the provider did not blame, the same for all of them. */
function errorForUnblamed(failures: readonly BatchFailure[], anyoneBlamed: boolean): StoredError {
  const summary = failures.map((f) => `${f.code}: ${f.message}`).join('; ') || NO_REASON;
  // The provider's queue was full: nothing is wrong with the requests, they go again later.
  if (failures.some((f) => f.code === 'token_limit_exceeded')) {
    return { type: 'rate_limited', code: 'token_limit_exceeded', message: summary, retryable: true };
  }
  // Another request sank the batch: this one is innocent and goes again without it.
  if (anyoneBlamed) {
    return {
      type: 'unknown',
      code: 'batch_failed',
      message: `another request failed the batch: ${summary}`,
      retryable: true,
    };
  }
  // Nobody in particular was blamed: sending the same requests again would fail the same way.
  return { type: 'invalid_request', code: 'batch_failed', message: summary, retryable: false };
}

/**
 * Why each unanswered input of a batch the provider failed (at validation) failed: the lines it blames fail for
 * good, the innocent rest is sent again when the failure was not theirs, or fails with the batch when nothing in
 * particular was blamed. A blamed line that got an answer anyway still makes the others innocent.
 */
export function errorsForFailedBatch(
  failures: readonly BatchFailure[],
  unanswered: readonly string[],
  fileOrder: readonly string[],
): Map<string, StoredError> {
  const blamed = blamedInputs(failures, fileOrder);
  const unblamed = errorForUnblamed(failures, blamed.size > 0);
  return new Map(unanswered.map((id) => [id, blamed.get(id) ?? unblamed]));
}
