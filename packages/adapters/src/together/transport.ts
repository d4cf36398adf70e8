import { createAfterUpload } from '../create-after-upload';
import type { TransportSettings } from '../descriptor';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
import { readLines } from '../lines';
import { readResultFile } from '../result-file';
import type {
  BatchContext,
  BatchRef,
  BatchTransport,
  ExistingBatch,
  ExistingBatchQuery,
  NormalizedResult,
  PollResult,
  SubmitRequest,
  SubmitResult,
  UnreadableLine,
} from '../types';
import { TOGETHER_DEFAULT_BASE_URL } from './env';
import { isEnded, pollResult, type TogetherBatch, timeMs } from './job-status';
import { TogetherApiError, type TogetherFile, TogetherRest, togetherCallError } from './rest';
import { lineCustomId, parseTogetherLine } from './result-line';

export interface TogetherOptions {
  /** `TOGETHER_API_KEY`. */
  apiKey: string;
  /** `TOGETHER_BASE_URL`: the API root with its version; unset, `https://api.together.xyz/v1`. */
  baseUrl?: string | undefined;
  /** Attempts per read, the first included (default 4), and the backoff between them. */
  retries?: { attempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Per attempt, until the answer's headers (default 300 s). */
  timeoutMs?: number;
  /** The request file's upload, up to 100 MB (default 30 min). */
  uploadTimeoutMs?: number;
}

/** The only endpoint Tranche runs there: Together's batches also take audio endpoints, but no embeddings. */
const CHAT_ENDPOINT = '/v1/chat/completions';
// How far back to look for what an earlier attempt made: covers clock skew between us and Together.
const ADOPT_SKEW_MS = 300_000;
/** Processing states of a file that will never be read (`processing_status`; batch files normally skip it). */
const UNUSABLE_FILE = new Set(['FAILED', 'INVALID_FORMAT']);

/**
 * Together AI's batch API over plain `fetch`. Its wire is close to OpenAI's but not the same (a wrapped create
 * answer, a bare list, a redirect-and-PUT upload, upper-case statuses, ISO times), so no OpenAI client drives it.
 * It keeps no metadata on a batch: a chunk is recognised by its request file's name, `${chunkKey}.jsonl`.
 */
export class TogetherTransport implements BatchTransport {
  private readonly rest: TogetherRest;
  private readonly resultIdleTimeoutMs: number;

  constructor(options: TogetherOptions, settings: TransportSettings = {}) {
    this.rest = new TogetherRest({
      apiKey: options.apiKey,
      baseUrl: (options.baseUrl ?? TOGETHER_DEFAULT_BASE_URL).replace(/\/+$/, ''),
      retry: {
        attempts: options.retries?.attempts ?? 4,
        initialDelayMs: options.retries?.initialDelayMs ?? 1000,
        maxDelayMs: options.retries?.maxDelayMs ?? 30_000,
      },
      timeoutMs: options.timeoutMs ?? 300_000,
      uploadTimeoutMs: options.uploadTimeoutMs ?? 30 * 60_000,
    });
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs ?? DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS;
  }

  /**
   * The chunk's request files (by name, no older than the chunk), then a batch made from one of them that Tranche
   * has not recorded. Neither list's order nor paging is documented: both are read whole, and the newest match wins.
   */
  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<ExistingBatch | null> {
    const since = createdAfter.getTime() - ADOPT_SKEW_MS;
    try {
      const files = (await this.listFiles()).filter(
        (file) => file.filename === fileNameOf(chunkKey) && !(timeMs(file.created_at) < since),
      );
      if (files.length === 0) return null;
      const inputs = new Set(files.map((file) => file.id));
      const found = (await this.listBatches())
        .filter(
          (batch) =>
            batch.id &&
            batch.input_file_id &&
            inputs.has(batch.input_file_id) &&
            !knownBatchIds.has(batch.id) &&
            !(timeMs(batch.created_at) < since),
        )
        .sort((a, b) => (timeMs(b.created_at) || 0) - (timeMs(a.created_at) || 0))[0];
      return found
        ? { providerBatchId: found.id!, inputFileId: found.input_file_id!, recognisedBy: 'chunk_key' }
        : null;
    } catch (error) {
      throw togetherCallError(error);
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    let fileId: string;
    try {
      fileId = (await this.uploadedEarlier(request)) ?? (await this.upload(request));
    } catch (error) {
      throw togetherCallError(error);
    }
    const created = await createAfterUpload({
      fileId,
      create: () => this.create(fileId),
      classify: togetherCallError,
      deleteFile: (id) => this.deleteFile(id),
    });
    return {
      providerBatchId: created.id,
      inputFileId: fileId,
      ...(created.warning ? { warning: created.warning } : {}),
    };
  }

  /** Made once: the create is not idempotent, and a lost answer is found again by `findExisting`. */
  private async create(inputFileId: string): Promise<{ id: string; warning?: string }> {
    const answer = await this.rest.json<{ job?: TogetherBatch; warning?: string } & TogetherBatch>(
      'POST',
      'batches',
      { body: { input_file_id: inputFileId, endpoint: CHAT_ENDPOINT }, once: true },
    );
    // Documented wrapped (`{job, warning}`); a bare batch is read too, should the API ever answer like `GET`.
    const id = answer.job?.id ?? answer.id;
    if (!id) throw new TogetherApiError(502, 'the created batch has no id');
    // A warning does not stop the batch, and what it may say is not documented: the worker logs it.
    return answer.warning ? { id, warning: answer.warning } : { id };
  }

  private async upload(request: SubmitRequest): Promise<string> {
    const file = await this.rest.upload(request.filePath, fileNameOf(request.chunkKey), request.bytes);
    if (!file.id) throw new TogetherApiError(502, 'the uploaded file has no id');
    return file.id;
  }

  /**
   * The request file an earlier attempt at the chunk uploaded, if one is there: the chunk's name, the same size
   * (a chunk's file is written the same way each time), no older than the chunk, not refused by validation.
   */
  private async uploadedEarlier(request: SubmitRequest): Promise<string | null> {
    if (!request.earlierAttemptsSince) return null;
    const since = request.earlierAttemptsSince.getTime() - ADOPT_SKEW_MS;
    const name = fileNameOf(request.chunkKey);
    const found = (await this.listFiles())
      .filter(
        (file) =>
          file.filename === name &&
          file.bytes === request.bytes &&
          !(timeMs(file.created_at) < since) &&
          !UNUSABLE_FILE.has(String(file.processing_status ?? '').toUpperCase()),
      )
      .sort((a, b) => (timeMs(b.created_at) || 0) - (timeMs(a.created_at) || 0))[0];
    return found?.id ?? null;
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    return pollResult(await this.getBatch(ref.providerBatchId));
  }

  /**
   * The output file, then the error file: a COMPLETED batch can still hold failed requests, and only the error
   * file says which. Results are matched by custom id, never by order (Together's output is not in input order).
   */
  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    let output = ref.outputFileId ?? null;
    let errors = ref.errorFileId ?? null;
    if (!output && !errors) {
      const batch = await this.getBatch(ref.providerBatchId);
      output = batch.output_file_id || null;
      errors = batch.error_file_id || null;
    }
    for (const fileId of [output, errors]) {
      if (!fileId) continue;
      yield* readResultFile(this.fileLines(fileId), {
        file: `together file ${fileId}`,
        parse: (line) => parseTogetherLine(line, context),
        customIdOf: lineCustomId,
        onUnreadable,
      });
    }
  }

  private async *fileLines(fileId: string): AsyncIterable<string> {
    let download: Awaited<ReturnType<TogetherRest['download']>>;
    try {
      download = await this.rest.download(`files/${encodeURIComponent(fileId)}/content`);
    } catch (error) {
      throw togetherCallError(error);
    }
    const bytes = idleGuardedBytes(download.body, {
      ms: this.resultIdleTimeoutMs,
      what: `together file ${fileId}`,
      abort: download.abort,
    });
    try {
      yield* readLines(bytes);
    } catch (error) {
      throw togetherCallError(error);
    }
  }

  /** Allowed while VALIDATING or IN_PROGRESS; requests already done are billed and come back in the output file. */
  async cancel(ref: BatchRef): Promise<void> {
    try {
      await this.rest.json('POST', `batches/${encodeURIComponent(ref.providerBatchId)}/cancel`);
    } catch (error) {
      const classified = togetherCallError(error);
      // An ended batch cannot be cancelled (the refusal's status is not documented): that is what we wanted.
      if (classified.status === 400 || classified.status === 409) {
        if (isEnded(await this.getBatch(ref.providerBatchId))) return;
      }
      throw classified;
    }
  }

  /** Deletes the request, output and error files; the batch stays listed, and a file already gone is fine. */
  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    for (const fileId of new Set([ref.inputFileId, ref.outputFileId, ref.errorFileId])) {
      if (fileId) await this.deleteFile(fileId);
    }
  }

  private async deleteFile(fileId: string): Promise<void> {
    try {
      await this.rest.json('DELETE', `files/${encodeURIComponent(fileId)}`);
    } catch (error) {
      if (error instanceof TogetherApiError && error.status === 404) return;
      throw togetherCallError(error);
    }
  }

  private async getBatch(id: string): Promise<TogetherBatch> {
    try {
      return await this.rest.json<TogetherBatch>('GET', `batches/${encodeURIComponent(id)}`);
    } catch (error) {
      throw togetherCallError(error);
    }
  }

  /** `GET /files`: `{data: [...]}`, no paging documented. */
  private async listFiles(): Promise<TogetherFile[]> {
    const list = await this.rest.json<{ data?: TogetherFile[] } | TogetherFile[]>('GET', 'files');
    return Array.isArray(list) ? list : (list.data ?? []);
  }

  /** `GET /batches`: a bare array (a `{data}` page is read too, should it ever be paged). */
  private async listBatches(): Promise<TogetherBatch[]> {
    const list = await this.rest.json<{ data?: TogetherBatch[] } | TogetherBatch[]>('GET', 'batches');
    return Array.isArray(list) ? list : (list.data ?? []);
  }
}

/** Chunk keys are unique, so the request file's name says which chunk it was uploaded for (as on OpenAI, Mistral). */
export function fileNameOf(chunkKey: string): string {
  return `${chunkKey}.jsonl`;
}
