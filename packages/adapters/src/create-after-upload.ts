import { ProviderCallError } from './errors';

/**
 * A create call that failed after the request file went up, in a way that leaves open whether the batch exists
 * (connection lost, timeout, 5xx, 429). The file is kept, and named here for the logs: the next attempt adopts the
 * batch made from it, or reuses the file.
 */
export class CreateAfterUploadError extends ProviderCallError {
  constructor(
    cause: ProviderCallError,
    readonly inputFileId: string,
  ) {
    super(
      `${cause.message} (request file ${inputFileId} kept for the next attempt)`,
      cause.status,
      cause.retryable,
      cause.code,
    );
    this.name = 'CreateAfterUploadError';
  }
}

export interface CreateAfterUpload<T> {
  /** The uploaded (or reused) request file. */
  fileId: string;
  /** The batch create call, made once: the SDK must not try it again (it cannot know whether a batch was made). */
  create: () => Promise<T>;
  classify: (error: unknown) => ProviderCallError;
  deleteFile: (fileId: string) => Promise<unknown>;
}

/**
 * Runs the create call of a batch whose request file is uploaded. Only a refusal (a 4xx other than 408, 409 and
 * 429) says for sure that no batch was made: nothing refers to the file then, and it is deleted (best effort; the
 * refusal is what matters) rather than left behind. After any other failure the file stays, since the batch may
 * exist and read it.
 */
export async function createAfterUpload<T>({
  fileId,
  create,
  classify,
  deleteFile,
}: CreateAfterUpload<T>): Promise<T> {
  try {
    return await create();
  } catch (error) {
    const classified = classify(error);
    if (classified.retryable) throw new CreateAfterUploadError(classified, fileId);
    await deleteFile(fileId).catch(() => undefined);
    throw classified;
  }
}
