import { openAsBlob } from 'node:fs';
import type OpenAI from 'openai';
import type { toFile as ToFile } from 'openai';
import type { Batch, BatchCreateParams, BatchError } from 'openai/resources/batches';
import { createAfterUpload } from '../create-after-upload';
import { classifyCallError, ProviderCallError } from '../errors';
import { DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS, idleGuardedBytes } from '../idle-timeout';
import { asString } from '../json-fields';
import { readLines } from '../lines';
import { CHUNK_KEY_METADATA, JOB_ID_METADATA } from '../metadata';
import { parseCompatibleLine } from '../openai-compatible/parse-line';
import { readResultFile } from '../result-file';
import type {
  BatchContext,
  BatchRef,
  BatchTransport,
  ExistingBatch,
  ExistingBatchQuery,
  NormalizedResult,
  PollResult,
  Provider,
  SubmitRequest,
  SubmitResult,
  UnreadableLine,
} from '../types';
import { batchEndpoint, type OpenAIEndpoints } from './endpoints';
import { findUploadedFile, type UploadedFileQuery } from './uploaded-file';

/** How one provider speaks the OpenAI batch wire format: OpenAI itself, or a service that copies it. */
export interface OpenAIWireSettings {
  /** Named in errors and in the names of result files. */
  provider: Provider;
  /** Makes the SDK client at the first call that needs it (the SDK is imported then). */
  client: () => Promise<OpenAI>;
  /** The endpoint each kind of batch is created for (the same as its request lines' `url`). */
  endpoints: OpenAIEndpoints;
  /**
   * Whether request files larger than one part go up through the Uploads API, one part at a time (OpenAI has it);
   * without it, every file goes up in one call.
   */
  multipartUploads: boolean;
  /** The Uploads API's part size (OpenAI allows 64 MB); default 16 MiB. */
  uploadPartBytes?: number;
  /** A result download that sends nothing for this long is abandoned (`RESULT_DOWNLOAD_IDLE_TIMEOUT_MS`). */
  resultIdleTimeoutMs?: number | undefined;
  /**
   * Sent as `expires_after` (anchor `created_at`) with every request file, through the Files API or the Uploads API,
   * when set: the provider deletes the file by itself even if cleanup never runs (OpenAI), or holds more files (Azure:
   * the cap rises from 500 to 10,000).
   */
  fileExpiresAfterSeconds?: number | undefined;
  /**
   * Sent as every batch's `output_expires_after` (anchor `created_at`, the output or error file's creation), when set:
   * its result files go by themselves too (OpenAI).
   */
  outputExpiresAfterSeconds?: number | undefined;
  /**
   * How long a request file may stay `pending` before the batch is created: a provider that refuses a batch on a
   * file not yet `processed` (Azure) waits for it. Unset: the batch is created right after the upload.
   */
  awaitProcessed?: { timeoutMs: number; intervalMs: number };
  /**
   * Create refusals (HTTP 400) that only say "not now" (Azure: the file is still pending, or the deployment's
   * enqueued-token quota is full before the batch is even made): retried, keeping the file, instead of failing.
   */
  retryableCreateRefusal?: RegExp;
  /**
   * The batch list's order is not documented (Azure): `findExisting` reads up to this many pages instead of stopping
   * at the first batch older than the chunk.
   */
  unorderedListPages?: number;
  /** Sent as every batch's `completion_window`; default `24h` (OpenAI's only value). Groq takes `24h` to `7d`. */
  completionWindow?: string;
  /**
   * The batch list a page at a time; default the SDK's (`limit=100`, paged with `after` while `has_more`). A provider
   * that pages its list otherwise (Groq: `cursor`, and no `has_more`, so the SDK would stop after one page) lists here.
   */
  listBatchPages?: (client: OpenAI) => AsyncIterable<readonly Batch[]>;
  /**
   * Finds the request file an earlier attempt at a chunk uploaded; default OpenAI's files list, read newest first
   * (`findUploadedFile`). `null`: never looked for, every attempt uploads its own file.
   */
  findUploadedFile?: ((client: OpenAI, query: UploadedFileQuery) => Promise<string | null>) | null;
}

const DEFAULT_UPLOAD_PART_BYTES = 16 * 1024 * 1024;

/** OpenAI's batch list through the SDK, 100 batches a page. */
async function* sdkBatchPages(client: OpenAI): AsyncIterable<readonly Batch[]> {
  for await (const page of (await client.batches.list({ limit: 100 })).iterPages()) yield page.data;
}

/**
 * The reasons a batch gives for failing. OpenAI (and the SDK's type) send `errors` as `{object: "list", data}`;
 * Groq's guide shows a bare array: either is read.
 */
export function batchFailures(errors: unknown): PollResult['failures'] {
  const list: unknown = Array.isArray(errors) ? errors : (errors as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) return undefined;
  return (list as BatchError[]).map((e) => ({
    code: e.code ?? 'unknown',
    message: e.message ?? '',
    line: e.line ?? null,
  }));
}

/** Unix seconds from a batch's `created_at`, which Azure's samples also show as an ISO string. */
function unixSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

const PHASES: Record<Batch['status'], PollResult['phase']> = {
  validating: 'validating',
  in_progress: 'running',
  finalizing: 'finalizing',
  cancelling: 'cancelling',
  completed: 'ended',
  failed: 'ended',
  expired: 'ended',
  cancelled: 'ended',
};

const OUTCOMES: Partial<Record<Batch['status'], PollResult['outcome']>> = {
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

// How far back to look for a batch created just before a crash: covers clock skew between us and the provider.
const ADOPT_SKEW_S = 300;

/**
 * For calls that create something (a file, an upload or its parts, a batch). When the answer is lost, the SDK cannot
 * know whether the call took effect, and trying again would make a second one: 80 of 90 requests once went out twice
 * that way. Such a failure reaches the worker instead, whose next attempt looks for what this one made.
 */
const CREATE_ONCE = { maxRetries: 0 } as const;

/** The OpenAI batch API (files, uploads, batches) through the `openai` SDK, for OpenAI or a provider that copies it. */
export class OpenAIWireTransport implements BatchTransport {
  private readonly provider: Provider;
  private sdk: { client: OpenAI; toFile: typeof ToFile } | undefined;
  private loading: Promise<void> | undefined;
  private readonly uploadPartBytes: number;
  private readonly resultIdleTimeoutMs: number;

  constructor(private readonly settings: OpenAIWireSettings) {
    this.provider = settings.provider;
    this.uploadPartBytes = settings.uploadPartBytes ?? DEFAULT_UPLOAD_PART_BYTES;
    this.resultIdleTimeoutMs = settings.resultIdleTimeoutMs ?? DEFAULT_RESULT_DOWNLOAD_IDLE_TIMEOUT_MS;
  }

  /**
   * Loads the SDK and makes its client at the first call, not at construction: the SDK is loaded only by a process
   * that talks to the provider. Every method that calls out awaits it.
   */
  private load(): Promise<void> {
    this.loading ??= Promise.all([this.settings.client(), import('openai')]).then(([client, { toFile }]) => {
      this.sdk = { client, toFile };
    });
    return this.loading;
  }

  private get client(): OpenAI {
    if (!this.sdk) throw new Error(`${this.provider}: the SDK is used before load()`);
    return this.sdk.client;
  }

  private get toFile(): typeof ToFile {
    if (!this.sdk) throw new Error(`${this.provider}: the SDK is used before load()`);
    return this.sdk.toFile;
  }

  /**
   * The batch's endpoint, the one its request lines name (a chat job's `chatApi` may pick the Responses API): the
   * SDK's type lists OpenAI's own paths, a provider copying the API may name others.
   */
  private endpointOf(context: BatchContext): BatchCreateParams['endpoint'] {
    return batchEndpoint(this.settings.endpoints, context) as BatchCreateParams['endpoint'];
  }

  /** `expires_after` for a request file, when the provider is told one. */
  private get fileExpiry():
    | { expires_after: { anchor: 'created_at'; seconds: number } }
    | Record<never, never> {
    const seconds = this.settings.fileExpiresAfterSeconds;
    return seconds === undefined ? {} : { expires_after: { anchor: 'created_at', seconds } };
  }

  async findExisting({
    chunkKey,
    createdAfter,
    knownBatchIds,
  }: ExistingBatchQuery): Promise<ExistingBatch | null> {
    const since = Math.floor(createdAfter.getTime() / 1000) - ADOPT_SKEW_S;
    await this.load();
    try {
      // Newest first: stop paging once batches are older than the chunk itself (and never adopt one that is). A
      // provider whose order is not documented is read to a page cap instead, skipping the older batches.
      const pageCap = this.settings.unorderedListPages;
      const pages = (this.settings.listBatchPages ?? sdkBatchPages)(this.client);
      let read = 0;
      for await (const page of pages) {
        if (pageCap !== undefined && ++read > pageCap) break;
        for (const batch of page) {
          const createdAt = unixSeconds(batch.created_at);
          if (createdAt < since) {
            if (pageCap === undefined) return null;
            continue;
          }
          if (batch.metadata?.[CHUNK_KEY_METADATA] === chunkKey && !knownBatchIds.has(batch.id)) {
            return { providerBatchId: batch.id, inputFileId: batch.input_file_id, recognisedBy: 'chunk_key' };
          }
        }
      }
      return null;
    } catch (error) {
      throw classifyCallError(this.provider, error);
    }
  }

  async submit(request: SubmitRequest): Promise<SubmitResult> {
    await this.load();
    let fileId: string;
    try {
      fileId = (await this.uploadedEarlier(request)) ?? (await this.uploadRequestFile(request));
      if (this.settings.awaitProcessed) await this.awaitProcessed(fileId, this.settings.awaitProcessed);
    } catch (error) {
      throw classifyCallError(this.provider, error);
    }
    const batch = await createAfterUpload({
      fileId,
      create: () =>
        this.client.batches.create(
          {
            input_file_id: fileId,
            endpoint: this.endpointOf(request.context),
            // The SDK's type lists OpenAI's `24h` only; a provider copying the API may take others (Groq: up to `7d`).
            completion_window: (this.settings.completionWindow ??
              '24h') as BatchCreateParams['completion_window'],
            metadata: { [JOB_ID_METADATA]: request.context.jobId, [CHUNK_KEY_METADATA]: request.chunkKey },
            ...(this.settings.outputExpiresAfterSeconds === undefined
              ? {}
              : {
                  output_expires_after: {
                    anchor: 'created_at',
                    seconds: this.settings.outputExpiresAfterSeconds,
                  },
                }),
          },
          CREATE_ONCE,
        ),
      classify: (error) => this.classifyCreate(error),
      deleteFile: (id) => this.client.files.delete(id),
    });
    return { providerBatchId: batch.id, inputFileId: fileId };
  }

  /** A create refusal the provider means as "not now" is retryable: the file is kept for the next attempt. */
  private classifyCreate(error: unknown): ProviderCallError {
    const classified = classifyCallError(this.provider, error);
    const pattern = this.settings.retryableCreateRefusal;
    const errorCode = (error as { code?: unknown } | null)?.code;
    const code = typeof errorCode === 'string' ? errorCode : classified.code;
    if (
      classified.retryable ||
      classified.status !== 400 ||
      !pattern?.test(`${code ?? ''} ${classified.message}`)
    )
      return classified;
    return new ProviderCallError(classified.message, classified.status, true, code);
  }

  /**
   * Waits until the provider has processed the request file (Azure refuses a batch on a `pending` one). A file in
   * `error` fails the submit for good; one still pending at the timeout makes a retryable error (the file is reused).
   */
  private async awaitProcessed(
    fileId: string,
    wait: { timeoutMs: number; intervalMs: number },
  ): Promise<void> {
    const deadline = Date.now() + wait.timeoutMs;
    let interval = wait.intervalMs;
    for (;;) {
      const file = await this.client.files.retrieve(fileId);
      const status = String(file.status ?? 'processed').toLowerCase();
      if (status === 'processed') return;
      if (status === 'error' || status === 'deleted' || status === 'deleting') {
        const details = (file as { status_details?: unknown }).status_details;
        throw new ProviderCallError(
          `${this.provider}: request file ${fileId} is '${status}'${typeof details === 'string' && details ? `: ${details}` : ''}`,
          400,
          false,
        );
      }
      if (Date.now() + interval > deadline) {
        throw new ProviderCallError(
          `${this.provider}: request file ${fileId} still '${status}' after ${wait.timeoutMs} ms`,
          null,
          true,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, interval));
      interval = Math.min(interval * 2, 30_000);
    }
  }

  /** The file an earlier attempt at the chunk uploaded (when there was one), so that it is not uploaded twice. */
  private async uploadedEarlier(request: SubmitRequest): Promise<string | null> {
    const find =
      this.settings.findUploadedFile === undefined ? findUploadedFile : this.settings.findUploadedFile;
    if (!request.earlierAttemptsSince || find === null) return null;
    return find(this.client, {
      filename: `${request.chunkKey}.jsonl`,
      bytes: request.bytes,
      since: Math.floor(request.earlierAttemptsSince.getTime() / 1000) - ADOPT_SKEW_S,
    });
  }

  /**
   * The SDK assembles a multipart body in memory whatever the source, so a large file goes up through the Uploads
   * API one bounded part at a time: the worker's memory holds one part, not the file. A provider without that API
   * gets the whole file in one call.
   */
  private async uploadRequestFile(request: SubmitRequest): Promise<string> {
    const filename = `${request.chunkKey}.jsonl`;
    const blob = await openAsBlob(request.filePath, { type: 'application/jsonl' });
    if (!this.settings.multipartUploads || request.bytes <= this.uploadPartBytes) {
      const file = await this.client.files.create(
        {
          file: await this.toFile(blob, filename, { type: 'application/jsonl' }),
          purpose: 'batch',
          ...this.fileExpiry,
        },
        CREATE_ONCE,
      );
      return file.id;
    }
    const upload = await this.client.uploads.create(
      { bytes: blob.size, filename, mime_type: 'application/jsonl', purpose: 'batch', ...this.fileExpiry },
      CREATE_ONCE,
    );
    try {
      const partIds: string[] = [];
      for (let offset = 0; offset < blob.size; offset += this.uploadPartBytes) {
        const slice = blob.slice(offset, Math.min(offset + this.uploadPartBytes, blob.size));
        const part = await this.client.uploads.parts.create(
          upload.id,
          { data: await this.toFile(slice, `${filename}.part${partIds.length}`) },
          CREATE_ONCE,
        );
        partIds.push(part.id);
      }
      const completed = await this.client.uploads.complete(upload.id, { part_ids: partIds }, CREATE_ONCE);
      if (!completed.file) throw new Error(`${this.provider} upload ${upload.id} completed without a file`);
      return completed.file.id;
    } catch (error) {
      // An upload never completed holds parts but makes no file (OpenAI drops it after an hour): drop it now. If
      // the complete call worked and only its answer was lost, the cancel is refused and the file is found next time.
      await this.client.uploads.cancel(upload.id).catch(() => undefined);
      throw error;
    }
  }

  async poll(ref: BatchRef): Promise<PollResult> {
    let batch: Batch;
    await this.load();
    try {
      batch = await this.client.batches.retrieve(ref.providerBatchId);
    } catch (error) {
      throw classifyCallError(this.provider, error);
    }
    // Lower-cased (Azure's samples show `Validating`); empty file ids (Azure, right after create) are none.
    const status = String(batch.status).toLowerCase() as Batch['status'];
    return {
      phase: PHASES[status] ?? 'running',
      outcome: OUTCOMES[status],
      providerStatus: batch.status,
      counts: {
        total: batch.request_counts?.total ?? 0,
        completed: batch.request_counts?.completed ?? 0,
        failed: batch.request_counts?.failed ?? 0,
      },
      outputFileId: batch.output_file_id || null,
      errorFileId: batch.error_file_id || null,
      failures: batchFailures(batch.errors),
    };
  }

  async *fetchResults(
    ref: BatchRef,
    context: BatchContext,
    onUnreadable?: (line: UnreadableLine) => void,
  ): AsyncIterable<NormalizedResult> {
    await this.load();
    for (const fileId of [ref.outputFileId, ref.errorFileId]) {
      if (!fileId) continue;
      let response: Response;
      // The SDK's timeout ends when the headers arrive; a body that stalls after them is cut by the idle guard.
      const download = new AbortController();
      try {
        response = await this.client.files.content(fileId, { signal: download.signal });
      } catch (error) {
        throw classifyCallError(this.provider, error);
      }
      if (!response.body) continue;
      const body = idleGuardedBytes(response.body, {
        ms: this.resultIdleTimeoutMs,
        what: `${this.provider} file ${fileId}`,
        abort: (error) => download.abort(error),
      });
      yield* readResultFile(readLines(body), {
        file: `${this.provider} file ${fileId}`,
        parse: (line) => parseCompatibleLine(line, context),
        customIdOf: (line) => asString(line.custom_id),
        onUnreadable,
      });
    }
  }

  async cancel(ref: BatchRef): Promise<void> {
    await this.load();
    try {
      await this.client.batches.cancel(ref.providerBatchId);
    } catch (error) {
      const classified = classifyCallError(this.provider, error);
      // A batch that already ended cannot be cancelled; that is the state we wanted anyway.
      if (classified.status === 400 || classified.status === 409) return;
      throw classified;
    }
  }

  async cleanup(ref: BatchRef & { inputFileId?: string | null }): Promise<void> {
    await this.load();
    for (const fileId of [ref.inputFileId, ref.outputFileId, ref.errorFileId]) {
      if (!fileId) continue;
      try {
        await this.client.files.delete(fileId);
      } catch (error) {
        const classified = classifyCallError(this.provider, error);
        if (classified.status !== 404) throw classified;
      }
    }
  }
}
